-- Argo CD health check for apqn.dev/v1alpha1 APQNReservation (apqn-operator).
-- This file is the source; deploy/argocd/argocd-cm-patch.yaml carries a copy (hack/argocd-cm.sh writes
-- it, ArgoCdConfigMapTest checks that both are equal).
--
-- The status follows kstatus (sigs.k8s.io/cli-utils/pkg/kstatus): status.observedGeneration and the
-- Reconciling/Stalled pair, next to Ready, Conflict, Degraded and InUse. The controller writes it
-- (src/main/java/dev/apqn/controller/ReservationStatusBuilder.java); the reasons are dev.apqn.status.Reasons.
-- A reservation being deleted never reaches this script: Argo CD reports it Progressing ("Pending
-- deletion") by itself while the finalizer apqn.dev/release waits for the node to give the queues back.
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

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function messageOf(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end

if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the apqn-operator controller to plan the reservation"
  return hs
end

-- A status written for an older spec says nothing about the current one (e.g. right after a Git change).
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. obj.metadata.generation
    .. " (the status is for generation " .. obj.status.observedGeneration .. ")"
  return hs
end

-- Stalled: no progress without a change by someone (invalid or refused request, conflict, a host write
-- that keeps failing, agent gone). Its message says what to change.
local stalled = condition("Stalled")
if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = messageOf(stalled, "Stalled: " .. (stalled.reason or ""))
  return hs
end

-- The controller sets Stalled with Conflict; checked on its own too so a conflict is never Healthy.
local conflict = condition("Conflict")
if isTrue(conflict) then
  hs.status = "Degraded"
  hs.message = messageOf(conflict, "Conflict: " .. (conflict.reason or ""))
  return hs
end

-- Degraded: the mdev exists, but the kernel keeps part of the matrix from the guest (e.g. a card is
-- checkstopped or deconfigured).
local degraded = condition("Degraded")
if isTrue(degraded) then
  hs.status = "Degraded"
  hs.message = messageOf(degraded, "Degraded: " .. (degraded.reason or ""))
  return hs
end

local reconciling = condition("Reconciling")
if isTrue(reconciling) then
  -- approval: Manual. The controller touches nothing until a person copies status.plan.hash to
  -- spec.approvedPlan (a Git commit in GitOps). Suspended, not Progressing: the reservation waits for a
  -- decision, not for work in progress, like a paused Argo Rollout waiting for its promotion. A sync
  -- still waits for it, but the application shows Suspended instead of a Progressing that never ends.
  if reconciling.reason == "AwaitingApproval" or reconciling.reason == "ApprovedPlanMismatch" then
    hs.status = "Suspended"
    hs.message = messageOf(reconciling, "Waiting for spec.approvedPlan")
    return hs
  end
  -- Planning, applying, recovering after a reboot, or a running guest that holds a change back (InUse):
  -- the operator works on it and gets there without anyone's help.
  hs.status = "Progressing"
  hs.message = messageOf(reconciling, "Reconciling: " .. (reconciling.reason or ""))
  return hs
end

local ready = condition("Ready")
if isTrue(ready) then
  hs.status = "Healthy"
  hs.message = messageOf(ready, "Ready")
  return hs
end

-- Ready not (yet) True while nothing else is True: kstatus reads this as in progress as well.
hs.status = "Progressing"
hs.message = messageOf(ready, "Waiting for the reservation to become Ready")
return hs
