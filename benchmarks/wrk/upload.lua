-- The `upload` test: a multipart/form-data POST of a 100 KiB file (bytes 0..255, 400 times),
-- the same payload benchmarks/runner/validate.py checks the size and SHA-256 of.
local boundary = "schooner-bench-boundary-7d0b1c"
local bytes = {}
for i = 0, 255 do
  bytes[#bytes + 1] = string.char(i)
end
local payload = string.rep(table.concat(bytes), 400)
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\n"
  .. 'Content-Disposition: form-data; name="file"; filename="payload.bin"\r\n'
  .. "Content-Type: application/octet-stream\r\n\r\n"
  .. payload .. "\r\n--" .. boundary .. "--\r\n"
