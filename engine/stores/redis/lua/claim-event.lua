--[[
  Takes an event over for a new owner: from now on every writer with a smaller
  epoch is refused. Returns what the owner needs to read the journal back.

  KEYS[1]  meta      hash: fence, entries, lastBatch (see append-entries.lua)
  KEYS[2]  journal   list of blobs
  KEYS[3]  settings  string: msgpack of the event's settings

  ARGV[1]  epoch  the new owner's fencing epoch

  Returns:
    {'claimed', entries, blobs, settings}  fence is now epoch; entries = entry count, blobs = list length,
                                           settings = the blob, or nil when none was saved
    {'fenced', fence}                      a greater epoch holds the event: nothing done
]]
local epoch = tonumber(ARGV[1])
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if fence > epoch then
  return {'fenced', fence}
end
redis.call('HSET', KEYS[1], 'fence', epoch)
local entries = tonumber(redis.call('HGET', KEYS[1], 'entries') or '0')
return {'claimed', entries, redis.call('LLEN', KEYS[2]), redis.call('GET', KEYS[3])}
