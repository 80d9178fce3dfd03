--[[
  Adds new events to their partition's set, unless a newer owner was given
  the partition: that owner lists the set right after taking its epoch, so an
  event is either listed (and claimed) by it or refused here, never missed.

  KEYS[1]  epoch   the partition's epoch counter (INCR)
  KEYS[2]  events  set of the partition's event ids

  ARGV[1]     epoch  the writer's fencing epoch
  ARGV[2...]  the event ids

  Returns {status, number}:
    {'registered', added}  added = how many ids were not in the set yet
    {'fenced', current}    a greater epoch was issued for the partition: nothing done
]]
local epoch = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current > epoch then
  return {'fenced', current}
end
local added = 0
for i = 2, #ARGV do
  added = added + redis.call('SADD', KEYS[2], ARGV[i])
end
return {'registered', added}
