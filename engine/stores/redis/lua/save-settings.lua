--[[
  Saves an event's settings (what the gateway needs beside the journal),
  unless a newer owner holds the event.

  KEYS[1]  meta      hash: fence, entries, lastBatch (see append-entries.lua)
  KEYS[2]  settings  string: msgpack of the settings

  ARGV[1]  epoch  the writer's fencing epoch
  ARGV[2]  blob   the settings

  Returns {status, number}:
    {'saved', epoch}   saved; the fence is now epoch
    {'fenced', fence}  a greater epoch holds the event: nothing done
]]
local epoch = tonumber(ARGV[1])
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if fence > epoch then
  return {'fenced', fence}
end
redis.call('HSET', KEYS[1], 'fence', epoch)
redis.call('SET', KEYS[2], ARGV[2])
return {'saved', epoch}
