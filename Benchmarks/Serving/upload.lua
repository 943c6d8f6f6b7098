-- wrk script: every request uploads the same JPEG as multipart/form-data (part "image").
-- The file is named by the IMAGE environment variable.
local path = os.getenv("IMAGE")
local file = assert(io.open(path, "rb"))
local data = file:read("*all")
file:close()
local boundary = "wrk7MA4YWxkTrZu0gW"
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"image\"; filename=\"photo.jpg\"\r\n"
    .. "Content-Type: image/jpeg\r\n\r\n" .. data .. "\r\n--" .. boundary .. "--\r\n"
