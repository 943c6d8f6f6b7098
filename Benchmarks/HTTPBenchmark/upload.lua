-- wrk script: POST a 200 KB body to /upload (the demo server answers its length).
wrk.method = "POST"
wrk.body = string.rep("x", 200 * 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
