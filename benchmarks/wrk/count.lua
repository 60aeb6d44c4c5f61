-- Memory after N requests: cycle through the given paths and stop after N responses.
-- Usage: wrk -t1 -c16 -d600s -s count.lua URL -- N MARKER /path1 /path2 ...
-- wrk's clock runs on after thread:stop(), so the file MARKER is written when N responses
-- have arrived, and the runner stops wrk then.
local limit = 100000
local marker = nil
local paths = {"/"}
local index = 0
local done = 0

function init(args)
  limit = tonumber(args[1]) or limit
  marker = args[2]
  if #args > 2 then
    paths = {}
    for i = 3, #args do
      paths[#paths + 1] = args[i]
    end
  end
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  done = done + 1
  if done == limit then
    if marker then
      local file = io.open(marker, "w")
      file:write(tostring(done))
      file:close()
    end
    wrk.thread:stop()
  end
end
