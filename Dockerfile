# classifier-server in a container.
#
#   docker build -t image-classifier .
#   docker run -p 8080:8080 -v "$PWD/models:/app/models" image-classifier
#
# The builder runs the same steps as CI (.ci/run → scripts/test.sh):
# scripts/setup.sh, then `swift build -c release`; set --build-arg RUN_TESTS=1
# to run `swift test -c release` as well. Docker cannot run on the machines
# this was written on, so this file is kept in step with those scripts by hand.

ARG SWIFT_IMAGE=swift:6.3-bookworm

# ---- build ----------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS builder
ARG RUN_TESTS=0
WORKDIR /src
COPY . .
RUN scripts/setup.sh \
 && swift build -c release \
 && if [ "$RUN_TESTS" = "1" ]; then swift test -c release; fi \
 && mkdir -p /out/lib \
 && cp "$(swift build -c release --show-bin-path)/classifier-server" /out/ \
 && cp "$(swift build -c release --show-bin-path)/classifier-train" /out/ \
 # The Swift runtime and Foundation the binaries link against.
 && cp -P /usr/lib/swift/linux/*.so* /out/lib/

# ---- run ------------------------------------------------------------------
FROM debian:bookworm-slim
# Only the shared libraries the binaries need: OpenBLAS, oneDNN, libjpeg-turbo, libpng
# (and the C++ runtime under Swift's Foundation).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 libdnnl2 libgomp1 libjpeg62-turbo libpng16-16 zlib1g libstdc++6 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin classifier
COPY --from=builder /out/lib/ /usr/lib/swift/linux/
RUN echo /usr/lib/swift/linux > /etc/ld.so.conf.d/swift.conf && ldconfig
WORKDIR /app
COPY --from=builder /out/classifier-server /out/classifier-train /usr/local/bin/
COPY --chown=classifier:classifier config/ /app/config/
COPY --chown=classifier:classifier models/ /app/models/
USER classifier
# Mount points: your model files (watched and hot-reloaded) and settings.
VOLUME ["/app/models", "/app/config"]
EXPOSE 8080
ENV CLASSIFIER_HOST=0.0.0.0 CLASSIFIER_PORT=8080
# Liveness through bash's /dev/tcp, so the image needs no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CLASSIFIER_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
# SIGTERM: stop accepting, finish in-flight requests (shutdown_grace_seconds,
# 10 s by default; give `docker stop -t` a little more), exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/classifier-server"]
