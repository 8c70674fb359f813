// The delivery log: filters (receiver or push type, topic, kind, status, time), newest
// first, refreshed every few seconds while open; the detail with the request and every
// attempt with its response; resend one; bulk resend of what the filter matches, counted
// first (dry run) and confirmed.
import { useState, type ReactNode } from 'react';
import {
  Datagrid, DateField, DateTimeInput, FunctionField, List, NumberField, SelectInput, Show, SimpleShowLayout, TextField,
  TextInput, TopToolbar, useListContext, useNotify, useRecordContext, useRefresh, FilterButton,
} from 'react-admin';
import { Alert, Box, Button, Card, CardContent, Chip, Dialog, DialogActions, DialogContent, DialogTitle, LinearProgress, Stack, Typography } from '@mui/material';
import { api } from '../api/client';
import { DELIVERY_STATUSES, type BulkResend, type BulkResendDryRun, type Delivery, type DeliveryDetail } from '../api/types';
import { ConfirmAction, Json, Section, useCan } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';
import { ReceiverInput } from '../components/pickers';
import { DeliveryChart } from './delivery-chart';
import { STATUS_COLOURS } from './delivery-buckets';

const KINDS = ['webhook', 'push', 'integration', 'hookup', 'hookup-email'].map((k) => ({ id: k, name: k }));
const STATUSES = DELIVERY_STATUSES.map((s) => ({ id: s, name: s }));

export function StatusChip({ status }: { status: Delivery['status'] }) {
  return <Chip size="small" label={status} sx={{ bgcolor: STATUS_COLOURS[status], color: '#fff' }} />;
}

const filters = [
  <ReceiverInput key="target" source="target" label="Receiver" alwaysOn />,
  <SelectInput key="status" source="status" choices={STATUSES} alwaysOn />,
  <SelectInput key="kind" source="kind" choices={KINDS} />,
  <TextInput key="topic" source="topic" label="Topic (exact)" />,
  <DateTimeInput key="from" source="from" label="Created from" />,
  <DateTimeInput key="to" source="to" label="Created until" />,
];

/** The columns of a delivery list (the log, and a receiver's deliveries). */
export function DeliveryRows() {
  return (
    <Datagrid rowClick={(id) => `/deliveries/${id}/show`} bulkActionButtons={false}>
      <DateField source="createdAt" label="Created" showTime sortable={false} />
      <TextField source="kind" sortable={false} />
      <TextField source="target.name" label="Target" sortable={false} />
      <TextField source="topic" emptyText="—" sortable={false} />
      <FunctionField label="Status" render={(d: Delivery) => <StatusChip status={d.status} />} />
      <NumberField source="attempts" sortable={false} />
      <TextField source="lastStatusCode" label="Last status" emptyText="—" sortable={false} />
      <DateField source="nextAttemptAt" label="Next attempt" showTime emptyText="—" sortable={false} />
    </Datagrid>
  );
}

function BulkResendButton() {
  const { filterValues } = useListContext();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [dry, setDry] = useState<BulkResendDryRun>();
  const [job, setJob] = useState<BulkResend>();
  const [error, setError] = useState<string>();
  const filter = Object.fromEntries(Object.entries(filterValues as Record<string, unknown>).filter(([, v]) => v !== '' && v != null));
  const resendable = filter.status && !['succeeded', 'failed', 'scheduled'].includes(String(filter.status)) ? null : filter;

  async function count() {
    setError(undefined);
    setJob(undefined);
    setOpen(true);
    if (!resendable) return;
    try {
      setDry(await api<BulkResendDryRun>('POST', '/v1/deliveries/resend', { body: { ...resendable, dryRun: true }, tenant: 'body' }));
    } catch (err) {
      setError((err as Error).message);
    }
  }
  async function send() {
    try {
      let j = await api<BulkResend>('POST', '/v1/deliveries/resend', { body: resendable, tenant: 'body' });
      setJob(j);
      while (j.status === 'running') {
        await new Promise((r) => setTimeout(r, 1000));
        j = await api<BulkResend>('GET', `/v1/deliveries/resends/${j.id}`);
        setJob(j);
      }
      notify(`Resent ${j.sent} deliveries`, { type: 'success' });
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <>
      <Button size="small" onClick={() => void count()}>
        Resend matching…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby="bulk-title">
        <DialogTitle id="bulk-title">Resend every delivery the filter matches?</DialogTitle>
        <DialogContent>
          <Typography variant="body2" gutterBottom>
            Filter: {Object.keys(filter).length ? Object.entries(filter).map(([k, v]) => `${k}=${String(v)}`).join(', ') : 'none (every succeeded, failed or scheduled delivery)'}
          </Typography>
          {!resendable && <Alert severity="info">Only succeeded, failed or scheduled deliveries can be resent: change the status filter.</Alert>}
          {dry && !job && (
            <Alert severity="warning" role="status">
              {dry.count} deliveries would be sent again{dry.forbidden ? `; ${dry.forbidden} match but you may not resend them` : ''}.
            </Alert>
          )}
          {job && (
            <Box role="status">
              <Typography>
                {job.status === 'done' ? 'Done' : 'Sending'}: {job.sent} of {job.total} sent{job.skipped ? `, ${job.skipped} skipped` : ''}.
              </Typography>
              <LinearProgress variant="determinate" value={job.total ? (100 * (job.sent + job.skipped)) / job.total : 100} />
            </Box>
          )}
          {error && <Alert severity="error">{error}</Alert>}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>{job?.status === 'done' ? 'Close' : 'Cancel'}</Button>
          {!job && dry && dry.count > 0 && (
            <Button variant="contained" color="warning" onClick={() => void send()}>
              Resend {dry.count}
            </Button>
          )}
        </DialogActions>
      </Dialog>
    </>
  );
}

function DeliveryListActions() {
  const receivers = useCan('receivers:write', { wholeTenant: true });
  const push = useCan('push:write', { wholeTenant: true });
  const canResend = receivers || push;
  return (
    <TopToolbar>
      <FilterButton />
      {canResend && <BulkResendButton />}
    </TopToolbar>
  );
}

function ChartForFilter() {
  const { filterValues } = useListContext();
  return <DeliveryChart target={(filterValues as { target?: string }).target} />;
}

export function DeliveryList() {
  return (
    <List pagination={<CursorPagination />} filters={filters} actions={<DeliveryListActions />} perPage={25} queryOptions={{ refetchInterval: 3000 }} title="Delivery log" aside={undefined}>
      <Box sx={{ px: 2, pt: 1 }}>
        <ChartForFilter />
      </Box>
      <DeliveryRows />
    </List>
  );
}

function Headers({ headers, label }: { headers: Record<string, string> | undefined; label: string }) {
  const entries = Object.entries(headers ?? {});
  if (!entries.length) return <Typography variant="body2">no headers</Typography>;
  return (
    <Box component="table" aria-label={label} sx={{ fontSize: 12, borderCollapse: 'collapse', '& td': { pr: 2, verticalAlign: 'top', fontFamily: 'monospace' } }}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </Box>
  );
}

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Typography component="dt" variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" variant="body2" sx={{ m: 0 }}>
        {children}
      </Typography>
    </Box>
  );
}

function DeliveryDetailView() {
  const d = useRecordContext<DeliveryDetail>();
  const refresh = useRefresh();
  const topicWrite = useCan('receivers:write', { wholeTenant: true });
  const push = useCan('push:write', { wholeTenant: true });
  const integrations = useCan('integrations:write', { wholeTenant: true });
  const installations = useCan('installations:write', { wholeTenant: true });
  if (!d) return null;
  // The list's copy of the record stands in until the detail arrives: no request or attempts yet.
  const attempts = d.attemptLog ?? [];
  const mayResend = { webhook: topicWrite, push, integration: integrations, hookup: installations, 'hookup-email': installations }[d.kind] ?? false;
  const resendable = ['succeeded', 'failed', 'scheduled'].includes(d.status);
  return (
    <Box sx={{ p: 2 }}>
      <Stack direction="row" spacing={2} alignItems="center">
        <Typography variant="h6" component="h2">
          {d.kind} to {d.target.name}
        </Typography>
        <StatusChip status={d.status} />
        {mayResend && resendable && (
          <ConfirmAction
            label="Resend"
            title="Send this delivery again now?"
            content="It is sent with the same delivery id, as its next attempt."
            onConfirm={async () => {
              await api('POST', `/v1/deliveries/${d.id}/resend`);
              setTimeout(refresh, 1500);
            }}
            done="Resend scheduled"
          />
        )}
      </Stack>
      {d.statusReason && <Alert severity="info" sx={{ mt: 1 }}>{d.statusReason}</Alert>}
      <Stack component="dl" direction="row" spacing={4} sx={{ mt: 2, mb: 0 }} flexWrap="wrap">
        <Meta label="Delivery id">{d.id}</Meta>
        <Meta label="Event">{d.eventId ?? '—'}</Meta>
        <Meta label="Topic">{d.topic ?? '—'}</Meta>
        <Meta label="Unit">{d.unit ?? '—'}</Meta>
        <Meta label="Attempts">{d.attempts}</Meta>
        <Meta label="Next attempt">{d.nextAttemptAt ? new Date(d.nextAttemptAt).toLocaleString() : '—'}</Meta>
      </Stack>
      <Section title="Request">
        {d.request === undefined ? null : d.request ? (
          <Stack spacing={1}>
            <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
              {d.request.method ?? '(not sent yet)'} {d.request.url}
            </Typography>
            <Headers headers={d.request.headers} label="Request headers" />
            <Json value={d.request.body ?? d.request.payload} label="Request body" />
          </Stack>
        ) : (
          <Typography variant="body2">Not sent: {d.statusReason ?? 'no request'}</Typography>
        )}
      </Section>
      <Section title={`Attempts (${attempts.length})`}>
        <Stack spacing={1}>
          {attempts.map((a) => (
            <Card key={a.attempt} variant="outlined" component="article" aria-label={`Attempt ${a.attempt}`}>
              <CardContent>
                <Stack direction="row" spacing={2} alignItems="center">
                  <Typography variant="subtitle1" component="h3">
                    Attempt {a.attempt}
                    {a.manual ? ' (resend)' : ''}
                  </Typography>
                  <Chip size="small" color={a.ok ? 'success' : 'error'} label={a.ok ? 'ok' : (a.errorClass ?? 'failed')} />
                  <Typography variant="body2">
                    {new Date(a.at).toLocaleString()} · {a.durationMs} ms · {a.statusCode ?? 'no response'}
                    {a.error ? ` · ${a.error}` : ''}
                  </Typography>
                </Stack>
                <Stack direction="row" spacing={2} sx={{ mt: 1 }}>
                  <Box sx={{ flex: 1, minWidth: 0 }}>
                    <Typography variant="caption">Sent: {a.method} {a.url}</Typography>
                    <Headers headers={a.requestHeaders} label={`Attempt ${a.attempt} request headers`} />
                  </Box>
                  <Box sx={{ flex: 1, minWidth: 0 }}>
                    <Typography variant="caption">Response{a.responseTruncated ? ' (cut at 8 KB)' : ''}</Typography>
                    <Headers headers={a.responseHeaders} label={`Attempt ${a.attempt} response headers`} />
                    {a.responseBody !== null && <Json value={a.responseBody} label={`Attempt ${a.attempt} response body`} />}
                  </Box>
                </Stack>
              </CardContent>
            </Card>
          ))}
        </Stack>
      </Section>
    </Box>
  );
}

export function DeliveryShow() {
  return (
    <Show queryOptions={{ refetchInterval: 3000 }} title="Delivery">
      <SimpleShowLayout>
        <DeliveryDetailView />
      </SimpleShowLayout>
    </Show>
  );
}
