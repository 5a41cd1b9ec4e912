-- Argo CD health check for migrations.webmacs.io/DatabaseMigration, read the kstatus way.
--
-- Install it as the argocd-cm key resource.customizations.health.migrations.webmacs.io_DatabaseMigration
-- (deploy/argocd/argocd-cm.yaml holds the same text; ArgoCdHealthCheckTest keeps the two identical).
--
--   no status, or status.observedGeneration missing or != metadata.generation   -> Progressing
--   Stalled=True                                                                 -> Degraded
--   Ready=True                                                                   -> Healthy
--     and Drifted=True (spec.driftCheck found schema drift): still Healthy, the drift as a warning in the message
--   Reconciling=True                                                             -> Progressing
--   anything else                                                                -> Progressing
--
-- It uses only the base library (type, tostring, ipairs) and checks every field before reading it, so a
-- malformed object yields Progressing, never a script error.

local hs = {}

local function text(value)
  if value == nil then
    return ""
  end
  return tostring(value)
end

local function field(table_, key)
  if type(table_) ~= "table" then
    return nil
  end
  return table_[key]
end

local function condition(conditions, wanted)
  if type(conditions) ~= "table" then
    return nil
  end
  for _, candidate in ipairs(conditions) do
    if type(candidate) == "table" and candidate.type == wanted then
      return candidate
    end
  end
  return nil
end

local function isTrue(candidate)
  return candidate ~= nil and candidate.status == "True"
end

-- "<reason>: <message>", or whichever of the two is set.
local function describe(candidate)
  local reason = text(field(candidate, "reason"))
  local message = text(field(candidate, "message"))
  if reason ~= "" and message ~= "" then
    return reason .. ": " .. message
  end
  return reason .. message
end

local generation = field(field(obj, "metadata"), "generation")
local status = field(obj, "status")
local observed = field(status, "observedGeneration")

if type(status) ~= "table" or observed == nil or (generation ~= nil and observed ~= generation) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the operator to observe generation " .. text(generation)
  else
    hs.message = "Waiting for the operator to observe the resource"
  end
  return hs
end

local conditions = status.conditions
local stalled = condition(conditions, "Stalled")
local ready = condition(conditions, "Ready")
local reconciling = condition(conditions, "Reconciling")

if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

if isTrue(ready) then
  hs.status = "Healthy"
  local revision = text(status.revision)
  local detail = text(field(ready, "message"))
  if revision == "" then
    hs.message = describe(ready)
  elseif detail ~= "" then
    hs.message = "At revision " .. revision .. " (" .. detail .. ")"
  else
    hs.message = "At revision " .. revision
  end
  -- Drift is for a person to look at; the schema still serves the revision the application expects.
  local drifted = condition(conditions, "Drifted")
  if isTrue(drifted) then
    hs.message = hs.message .. "; warning: Drifted: " .. describe(drifted)
  end
  return hs
end

hs.status = "Progressing"
if isTrue(reconciling) then
  hs.message = describe(reconciling)
elseif ready ~= nil and describe(ready) ~= "" then
  hs.message = describe(ready)
else
  hs.message = "Waiting for the operator to report the Ready condition"
end
return hs
