{{/*
The alerting rules, thresholds from metrics.prometheusRule.thresholds. {{ "{{ $labels.x }}" }} writes Prometheus's own
template text into the annotations. Series of one DatabaseMigration are taken by (namespace, name) with max or min, so an
alert keeps its labels when another operator replica becomes the leader.
*/}}
{{- define "wmo.prometheusRules" -}}
{{- $t := .Values.metrics.prometheusRule.thresholds -}}
{{- $runbook := .Values.metrics.prometheusRule.runbookUrl -}}
groups:
  - name: webmacs-migration-operator
    rules:
      - alert: WebmacsMigrationStalled
        expr: |-
          time() - max by (namespace, name, reason) (webmacs_migration_condition_since_timestamp_seconds{type="Stalled", status="True", reason!="RetriesExhausted"})
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: 'DatabaseMigration {{ "{{ $labels.namespace }}/{{ $labels.name }}" }} is Stalled ({{ "{{ $labels.reason }}" }})'
          description: 'It runs nothing until its spec or changelog changes; its Stalled condition says why. Stalled for {{ "{{ $value | humanizeDuration }}" }}.'
          runbook_url: {{ $runbook }}#webmacsmigrationstalled
      - alert: WebmacsMigrationRetriesExhausted
        expr: |-
          time() - max by (namespace, name) (webmacs_migration_condition_since_timestamp_seconds{type="Stalled", status="True", reason="RetriesExhausted"})
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: 'DatabaseMigration {{ "{{ $labels.namespace }}/{{ $labels.name }}" }} gave up after its retries'
          description: 'Its runs kept failing for a passing reason (the database unreachable, a table lock not obtained, a killed pod) until spec.runner.retryLimit. Stalled for {{ "{{ $value | humanizeDuration }}" }}.'
          runbook_url: {{ $runbook }}#webmacsmigrationretriesexhausted
      - alert: WebmacsMigrationReconcilingTooLong
        expr: |-
          time() - max by (namespace, name, reason) (webmacs_migration_condition_since_timestamp_seconds{type="Reconciling", status="True", reason!~"AwaitingApproval|AwaitingContract|ContractHeld|WaitingForLock"}) > {{ $t.reconcilingSeconds }}
        labels:
          severity: warning
        annotations:
          summary: 'DatabaseMigration {{ "{{ $labels.namespace }}/{{ $labels.name }}" }} has been {{ "{{ $labels.reason }}" }} for {{ "{{ $value | humanizeDuration }}" }}'
          description: 'It has been Reconciling with the same reason for longer than {{ $t.reconcilingSeconds }} s (metrics.prometheusRule.thresholds.reconcilingSeconds).'
          runbook_url: {{ $runbook }}#webmacsmigrationreconcilingtoolong
      - alert: WebmacsMigrationWaitingForLock
        expr: |-
          time() - max by (namespace, name) (webmacs_migration_lock_wait_since_timestamp_seconds) > {{ $t.waitingForLockSeconds }}
        labels:
          severity: warning
        annotations:
          summary: 'DatabaseMigration {{ "{{ $labels.namespace }}/{{ $labels.name }}" }} has waited {{ "{{ $value | humanizeDuration }}" }} for a table lock'
          description: 'Its runs keep giving up waiting for a table lock that other sessions hold, for longer than {{ $t.waitingForLockSeconds }} s (metrics.prometheusRule.thresholds.waitingForLockSeconds); status.lastRun.blockedBy names them.'
          runbook_url: {{ $runbook }}#webmacsmigrationwaitingforlock
      - alert: WebmacsMigrationSchemaDrift
        expr: |-
          max by (namespace, name) (webmacs_migration_schema_differences) > 0 and on (namespace, name) webmacs_migration_condition_since_timestamp_seconds{type="Drifted", status="True"}
        labels:
          severity: warning
        annotations:
          summary: 'The schema of DatabaseMigration {{ "{{ $labels.namespace }}/{{ $labels.name }}" }} drifted from its changelog'
          description: 'Its last drift check found {{ "{{ $value }}" }} differences between the live schema and the changelog''s; the Drifted condition names the first.'
          runbook_url: {{ $runbook }}#webmacsmigrationschemadrift
      - alert: WebmacsMigrationPodsGatedTooLong
        expr: |-
          time() - min by (namespace, name) (webmacs_migration_gated_pods_oldest_timestamp_seconds) > {{ $t.gatedPodSeconds }}
        labels:
          severity: warning
        annotations:
          summary: 'A pod has waited {{ "{{ $value | humanizeDuration }}" }} at the scheduling gate of DatabaseMigration {{ "{{ $labels.namespace }}/{{ $labels.name }}" }}'
          description: 'The rollout gate holds pods until the schema is ready; the oldest has waited longer than {{ $t.gatedPodSeconds }} s (metrics.prometheusRule.thresholds.gatedPodSeconds).'
          runbook_url: {{ $runbook }}#webmacsmigrationpodsgatedtoolong
      - alert: WebmacsMigrationWebhookErrors
        expr: |-
          sum(increase(webmacs_migration_webhook_admission_duration_seconds_count{outcome=~"error|unavailable"}[10m])) > {{ $t.webhookErrors }}
        labels:
          severity: warning
        annotations:
          summary: 'Pods the admission webhook could not decide on in 10 minutes: {{ "{{ $value | humanize }}" }}'
          description: 'It let them through unchanged after an error, or answered before it had loaded the DatabaseMigrations: they may have started without the rollout gate. More than {{ $t.webhookErrors }} (metrics.prometheusRule.thresholds.webhookErrors).'
          runbook_url: {{ $runbook }}#webmacsmigrationwebhookerrors
      - alert: WebmacsMigrationWebhookSlow
        expr: |-
          histogram_quantile(0.99, sum by (le) (rate(webmacs_migration_webhook_admission_duration_seconds_bucket[5m]))) > {{ $t.webhookLatencySeconds }}
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: 'The admission webhook takes {{ "{{ $value | humanizeDuration }}" }} for one pod in a hundred'
          description: 'Its 99th percentile answer time is above {{ $t.webhookLatencySeconds }} s (metrics.prometheusRule.thresholds.webhookLatencySeconds); the API server gives up after webhook.timeoutSeconds.'
          runbook_url: {{ $runbook }}#webmacsmigrationwebhookslow
      - alert: WebmacsMigrationOperatorDown
        expr: |-
          absent(webmacs_migration_operator_leader)
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: 'No webmacs-migration-operator replica is scraped'
          description: 'Prometheus has no metrics of the operator: it is not running, or not scraped. Nothing migrates, and with failurePolicy Ignore new WebMACS pods start without the rollout gate.'
          runbook_url: {{ $runbook }}#webmacsmigrationoperatordown
      - alert: WebmacsMigrationNoLeader
        expr: |-
          sum(webmacs_migration_operator_leader) < 1
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: 'No webmacs-migration-operator replica holds the leader-election Lease'
          description: 'The operator replicas run, but none reconciles: nothing migrates and no scheduling gate is lifted.'
          runbook_url: {{ $runbook }}#webmacsmigrationnoleader
{{- end -}}
