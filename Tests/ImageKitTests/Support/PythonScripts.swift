/// Python snippets shared by several test files.
enum PythonScripts {
    /// Defines `photo(w, h)`: a smooth, detailed, deterministic RGB test picture
    /// (gradients, rings and a little noise, like a photo and unlike flat colour).
    static let photo = """
    import numpy as np
    from PIL import Image
    def photo(w, h, seed=7):
        y, x = np.mgrid[0:h, 0:w].astype(np.float64)
        r = 127 + 100 * np.sin(x / 23.0) * np.cos(y / 31.0)
        g = 255 * x / max(w - 1, 1)
        b = 127 + 120 * np.sin(np.hypot(x - w / 3, y - h / 2) / 9.0)
        rng = np.random.default_rng(seed)
        a = np.stack([r, g, b], -1) + rng.normal(0, 6, (h, w, 3))
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))

    """
}
