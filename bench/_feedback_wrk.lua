-- wrk's script for bench/bench_feedback_api.py --served --client wrk: each request POSTs one
-- feedback item, a body of the Python client's with a key no other request uses (the table
-- has a unique (source, idempotency key) index, and the API keeps a receipt per key).
--
-- Arguments (after wrk's --): the file of bodies, one a line, each with @KEY@ where its key
-- goes; the key prefix (unique per phase and run); "keyed" to send the key as the
-- Idempotency-Key header too (the API), anything else not to (the bare view).
-- Environment: FEEDBACK_WRK_TOKEN, the bearer token.
-- done() prints "not 201: N" (and what those were), which the benchmark checks.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   bodies = {}
   for line in io.lines(args[1]) do
      local head, tail = line:match("^(.*)@KEY@(.*)$")
      table.insert(bodies, { head, tail })
   end
   prefix = args[2] .. "-" .. id .. "-"
   keyed = args[3] == "keyed"
   token = "Bearer " .. os.getenv("FEEDBACK_WRK_TOKEN")
   sent = 0
   failures = {}  -- responses by status, other than 201
   sample = ""  -- the first such response's body
end

function request()
   local key = prefix .. sent
   local body = bodies[sent % #bodies + 1]
   sent = sent + 1
   -- wrk.format sets Host and Content-Length in the table it is given: a fresh one each time
   local headers = { ["Content-Type"] = "application/json", ["Authorization"] = token }
   if keyed then
      headers["Idempotency-Key"] = key
   end
   return wrk.format("POST", nil, headers, body[1] .. key .. body[2])
end

function response(status, headers, body)
   if status ~= 201 then
      failures[status] = (failures[status] or 0) + 1
      if sample == "" then
         sample = status .. ": " .. string.sub(body or "", 1, 200)
      end
   end
end

function done(summary, latency, requests)
   local total, by_status, first = 0, {}, ""
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("failures")) do
         total = total + n
         by_status[status] = (by_status[status] or 0) + n
      end
      if first == "" then
         first = thread:get("sample")
      end
   end
   io.write(string.format("not 201: %d\n", total))
   if total > 0 then
      local each = {}
      for status, n in pairs(by_status) do
         table.insert(each, n .. " x " .. status)
      end
      io.write("  " .. table.concat(each, ", ") .. "; the first: " .. first .. "\n")
   end
end
