--[[
  Appends one write's entries of one event to the event's journal, unless a
  newer owner holds the event, another writer appended meanwhile, or this very
  write was applied already (a retry after a lost reply).

  KEYS[1]  meta     hash: fence (owner's epoch), entries (entry count), lastBatch (id of the last applied write)
  KEYS[2]  journal  list of blobs, one per write: the msgpack array of its entries

  ARGV[1]  epoch     the writer's fencing epoch
  ARGV[2]  expected  the entry count the writer believes the journal has
  ARGV[3]  batchId   unique per (event, write); the same when the write is retried
  ARGV[4]  count     how many entries the blob holds
  ARGV[5]  blob

  Returns {status, number}:
    {'applied', entries}    appended; entries is the new entry count; the fence is now epoch
    {'duplicate', entries}  batchId was the last write applied: nothing done
    {'fenced', fence}       a greater epoch holds the event: nothing done
    {'mismatch', entries}   the journal does not hold `expected` entries: nothing done
]]
local epoch = tonumber(ARGV[1])
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if fence > epoch then
  return {'fenced', fence}
end
local entries = tonumber(redis.call('HGET', KEYS[1], 'entries') or '0')
if redis.call('HGET', KEYS[1], 'lastBatch') == ARGV[3] then
  return {'duplicate', entries}
end
if entries ~= tonumber(ARGV[2]) then
  return {'mismatch', entries}
end
entries = entries + tonumber(ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[5])
redis.call('HSET', KEYS[1], 'fence', epoch, 'entries', entries, 'lastBatch', ARGV[3])
return {'applied', entries}
