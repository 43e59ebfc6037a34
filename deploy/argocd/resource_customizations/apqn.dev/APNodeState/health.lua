-- Argo CD health check for apqn.dev/v1alpha1 APNodeState (apqn-operator): one per node, created by the
-- controller (spec: the node's plan), status written by the node's agent
-- (src/main/java/dev/apqn/agent/kube/NodeStatusBuilder.java).
-- This file is the source; deploy/argocd/argocd-cm-patch.yaml carries a copy (hack/argocd-cm.sh writes
-- it, ArgoCdConfigMapTest checks that both are equal).
--
-- Not the kstatus pair: the agent writes status.observedGeneration and the conditions Ready (the node
-- matches spec), Degraded, Drifted, Restoring, PlanStale and InUse, but no Reconciling or Stalled.
-- The agent's liveness is its Lease (apqn-agent-<node>), not part of this object: an agent that died
-- leaves its last status as it was (the reservations on the node then report AgentUnavailable).
-- Argo CD runs health checks without Lua's string library, so this script uses none of it; and it is
-- plain Lua 5.1 (gopher-lua).

local hs = {}

local function condition(conditionType)
  if obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function messageOf(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the node agent's first report"
  return hs
end

-- The controller changed the node's plan; the agent has not acted on it yet.
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the node agent to act on generation " .. obj.metadata.generation
    .. " (the status is for generation " .. obj.status.observedGeneration .. ")"
  return hs
end

-- Degraded: the kernel filters APQNs out of a guest's matrix, or a host write keeps being refused (the
-- message carries the kernel's errno sentence).
local degraded = condition("Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = messageOf(degraded, "Degraded: " .. (degraded.reason or ""))
  return hs
end

local ready = condition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the node agent's first report"
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = "The node matches its plan"
  local drifted = condition("Drifted")
  if drifted ~= nil and drifted.status == "True" then
    hs.message = hs.message .. "; " .. messageOf(drifted, "a change made by hand was repaired")
  end
  return hs
end
-- Ready Unknown, reason Planning: the agent reports the node, and no reservation has been planned on it
-- yet. Nothing is to be done, so this is Healthy rather than a Progressing that may never end.
if ready.status == "Unknown" and ready.reason == "Planning" then
  hs.status = "Healthy"
  hs.message = messageOf(ready, "No host edits planned for this node yet")
  return hs
end
-- Ready False: applying, releasing, recovering after a reboot (Restoring), replanning after an inventory
-- change (PlanStale), or a running guest holding a change back (InUse).
hs.status = "Progressing"
hs.message = messageOf(ready, "Converging: " .. (ready.reason or ""))
return hs
