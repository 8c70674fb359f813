// Webhook listeners: services, listeners, token generation, Generate Tables from a pasted
// sample (the proposed structure to review, rename and accept), the stored records, the
// request logs.
import { useState } from 'react';
import {
  AutocompleteInput, BooleanField, BooleanInput, Create, CreateButton, Datagrid, DateField, DeleteWithConfirmButton, Edit, EditButton, FunctionField, List, NumberInput,
  ReferenceField, ReferenceInput, SelectInput, Show, SimpleForm, TabbedShowLayout, TextField, TextInput, TopToolbar, maxLength, regex, required, useRecordContext, useRefresh,
  useNotify, FormDataConsumer, useRedirect,
} from 'react-admin';
import { Alert, Box, Button, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField as MuiTextField, Typography } from '@mui/material';
import { api } from '../api/client';
import type { GenerateTablesAnswer, Listener, ListenerLogEntry, ListenerRecords, ListenerStructure } from '../api/types';
import { ConfirmAction, CopyField, Json, Section, ShownOnce, useRights } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';

// --- services ---
export function ListenerServiceList() {
  const rights = useRights('listener-services');
  return (
    <List pagination={<CursorPagination />} title="Listener services" actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>} perPage={25}>
      <Datagrid rowClick={rights.write ? 'edit' : false} bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="description" emptyText="—" sortable={false} />
        <TextField source="id" label="Service id (in the URL)" sortable={false} />
        {rights.write && <DeleteWithConfirmButton mutationMode="pessimistic" confirmContent="Only a service without listeners can be deleted." />}
      </Datagrid>
    </List>
  );
}
export function ListenerServiceCreate() {
  return (
    <Create redirect="list">
      <SimpleForm>
        <TextInput source="name" validate={[required(), maxLength(200)]} />
        <TextInput source="description" fullWidth />
      </SimpleForm>
    </Create>
  );
}
export function ListenerServiceEdit() {
  return (
    <Edit mutationMode="pessimistic">
      <SimpleForm>
        <TextInput source="name" validate={[required(), maxLength(200)]} />
        <TextInput source="description" fullWidth />
      </SimpleForm>
    </Edit>
  );
}

// --- listeners ---
export function ListenerList() {
  const rights = useRights('listeners');
  return (
    <List pagination={<CursorPagination />}
      filters={[<ReferenceInput key="serviceId" source="serviceId" reference="listener-services" alwaysOn><AutocompleteInput label="Service" optionText="name" /></ReferenceInput>, <TextInput key="name" source="name" />]}
      actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>}
      perPage={25}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <ReferenceField source="serviceId" reference="listener-services" label="Service" link={false}>
          <TextField source="name" />
        </ReferenceField>
        <BooleanField source="enabled" sortable={false} />
        <TextField source="auth.method" label="Auth" sortable={false} />
        <TextField source="retention" sortable={false} />
        <TextField source="path" sortable={false} />
      </Datagrid>
    </List>
  );
}

const nameRe = regex(/^[A-Za-z0-9_-]{1,64}$/, '1–64 letters, digits, _ and -');
const retentionRe = regex(/^\d+[dhms]$/, 'e.g. 30d, 12h, 90m, 45s');

function listenerBody(d: Record<string, unknown> & { authMethod?: string; authIn?: string; authName?: string }) {
  const { authMethod, authIn, authName, ...rest } = d;
  const location = authIn === 'authorization' ? { in: 'authorization', prefix: 'Bearer ' } : { in: authIn ?? 'header', name: authName || (authIn === 'query' ? 'token' : 'X-Hook-Token') };
  return { ...rest, auth: authMethod === 'token' ? { method: 'token', location } : { method: 'none' } };
}

export function ListenerCreate() {
  const redirect = useRedirect();
  const [shown, setShown] = useState<{ id: string; token?: string; signingSecret?: string }>();
  let extras: { token?: string; signingSecret?: string } = {};
  return (
    <>
      <Create
        redirect={false}
        transform={listenerBody}
        mutationOptions={{
          meta: { onSecret: (x: { token?: string; signingSecret?: string }) => (extras = x) },
          onSuccess: (l: Listener) => (extras.token || extras.signingSecret ? setShown({ id: l.id, ...extras }) : redirect('show', 'listeners', l.id)),
        }}
      >
        <SimpleForm defaultValues={{ enabled: true, retention: '30d', keepLogs: 100, authMethod: 'token', authIn: 'header', authName: 'X-Hook-Token' }}>
          <ReferenceInput source="serviceId" reference="listener-services">
            <AutocompleteInput label="Service" optionText="name" validate={required()} />
          </ReferenceInput>
          <TextInput source="name" validate={[required(), nameRe]} helperText="A word of the topics Listener.<name>.Upserted / .Patched / .Deleted" />
          <BooleanInput source="enabled" />
          <TextInput source="retention" validate={retentionRe} />
          <NumberInput source="keepLogs" label="Log entries kept" min={1} max={10000} />
          <SelectInput source="authMethod" label="Authorization" choices={[{ id: 'token', name: 'Token' }, { id: 'none', name: 'None' }]} />
          <FormDataConsumer>
            {({ formData }) =>
              formData?.authMethod === 'token' ? (
                <Stack direction="row" spacing={2}>
                  <SelectInput source="authIn" label="Token in" choices={[{ id: 'header', name: 'a header' }, { id: 'query', name: 'the query' }, { id: 'authorization', name: 'Authorization: Bearer' }]} />
                  {formData?.authIn !== 'authorization' && <TextInput source="authName" label="Header or parameter name" />}
                </Stack>
              ) : null
            }
          </FormDataConsumer>
        </SimpleForm>
      </Create>
      {shown && (
        <ShownOnce title="The listener's credentials" open onClose={() => redirect('show', 'listeners', shown.id)}>
          {shown.token && <CopyField label="Token" value={shown.token} />}
          {shown.signingSecret && <CopyField label="Signing secret" value={shown.signingSecret} />}
        </ShownOnce>
      )}
    </>
  );
}

export function ListenerEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={(d: Listener) => ({ name: d.name, enabled: d.enabled, retention: d.retention, keepLogs: d.keepLogs, bodyDedupSeconds: d.bodyDedupSeconds })}>
      <SimpleForm>
        <TextInput source="name" validate={[required(), nameRe]} />
        <BooleanInput source="enabled" />
        <TextInput source="retention" validate={retentionRe} />
        <NumberInput source="keepLogs" label="Log entries kept" min={1} max={10000} />
        <NumberInput source="bodyDedupSeconds" label="Same body counts as a retry within (s)" min={0} />
      </SimpleForm>
    </Edit>
  );
}

function TokenButton() {
  const l = useRecordContext<Listener>();
  const [token, setToken] = useState<string>();
  const [until, setUntil] = useState<string>();
  if (!l || l.auth.method !== 'token') return null;
  return (
    <>
      <ConfirmAction
        label="Generate token"
        title="Generate a new token?"
        content="The old token stops working now."
        onConfirm={async () => {
          const a = await api<{ token: string; previousTokenValidUntil?: string }>('POST', `/v1/listeners/${l.id}/token`, { body: {} });
          setToken(a.token);
          setUntil(a.previousTokenValidUntil);
        }}
      />
      {token && (
        <ShownOnce title="The listener's new token" open onClose={() => setToken(undefined)}>
          <CopyField label="Token" value={token} />
          {until && <Typography variant="body2">The previous token works until {new Date(until).toLocaleString()}.</Typography>}
        </ShownOnce>
      )}
    </>
  );
}

function ListenerActions() {
  const rights = useRights('listeners');
  if (!rights.write) return <TopToolbar />;
  return (
    <TopToolbar>
      <EditButton />
      <TokenButton />
      <DeleteWithConfirmButton mutationMode="pessimistic" confirmContent="Its tables and their data are dropped." />
    </TopToolbar>
  );
}

function StructureView({ structure }: { structure: ListenerStructure | null }) {
  if (!structure) return <Typography variant="body2">No tables yet: generate them from a sample.</Typography>;
  return (
    <Stack spacing={2}>
      {structure.tables.map((t) => (
        <Box key={t.name}>
          <Typography variant="subtitle2" component="h3">
            Table {t.name}
          </Typography>
          <Table size="small" aria-label={`Columns of ${t.name}`}>
            <TableHead>
              <TableRow>
                <TableCell>Column</TableCell>
                <TableCell>Type</TableCell>
                <TableCell>From</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {t.columns.map((c) => (
                <TableRow key={c.name}>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{c.name}</TableCell>
                  <TableCell>{c.type}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{Array.isArray(c.source) ? c.source.join('.') : ''}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      ))}
    </Stack>
  );
}

/** Generate Tables: paste a sample, get the proposed structure (and its SQL), edit names if needed, accept. */
function GenerateTables() {
  const l = useRecordContext<Listener>();
  const refresh = useRefresh();
  const notify = useNotify();
  const rights = useRights('listeners');
  const [sample, setSample] = useState('');
  const [rootPath, setRootPath] = useState('');
  const [primaryKey, setPrimaryKey] = useState('id');
  const [proposal, setProposal] = useState<GenerateTablesAnswer>();
  const [edited, setEdited] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  if (!l) return null;
  const listener = l;
  async function generate() {
    setErrors({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(sample);
    } catch (err) {
      setErrors({ sample: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    try {
      const a = await api<GenerateTablesAnswer>('POST', '/v1/listeners/generate-tables', {
        body: { sample: parsed, baseName: listener.structure?.baseName ?? listener.name, rootPath: rootPath || undefined, primaryKey: primaryKey.split(',').map((s) => s.trim()).filter(Boolean), listenerId: listener.structure ? listener.id : undefined },
        tenant: 'body',
      });
      setProposal(a);
      setEdited(JSON.stringify(a.structure, null, 2));
    } catch (err) {
      fieldErrors(err);
    }
  }
  function fieldErrors(err: unknown) {
    const e = (err as { body?: { errors?: Record<string, unknown> }; message: string }).body?.errors;
    const out: Record<string, string> = { root: (err as Error).message };
    for (const [k, v] of Object.entries(e ?? {})) if (typeof v === 'string') out[k.split('.')[0]] = v;
    setErrors(out);
  }
  async function accept() {
    setErrors({});
    try {
      await api('PUT', `/v1/listeners/${listener.id}/structure`, { body: { structure: JSON.parse(edited) } });
      notify('Tables created', { type: 'success' });
      setProposal(undefined);
      refresh();
    } catch (err) {
      fieldErrors(err);
    }
  }
  return (
    <Stack spacing={2}>
      <Section title="Current tables">
        <StructureView structure={l.structure} />
      </Section>
      {rights.write && (
        <Section title="Generate Tables from a sample">
          <Stack spacing={2}>
            <MuiTextField label="Sample payload (JSON)" multiline minRows={6} value={sample} onChange={(e) => setSample(e.target.value)} error={!!errors.sample} helperText={errors.sample ?? 'Paste a request body the sending system sends'} fullWidth />
            <Stack direction="row" spacing={2}>
              <MuiTextField label="Records at (root path)" value={rootPath} onChange={(e) => setRootPath(e.target.value)} error={!!errors.rootPath} helperText={errors.rootPath ?? 'e.g. data.items; empty: the body'} />
              <MuiTextField label="Primary key" value={primaryKey} onChange={(e) => setPrimaryKey(e.target.value)} error={!!errors.primaryKey} helperText={errors.primaryKey ?? 'field(s), comma-separated'} />
              <Button variant="outlined" onClick={() => void generate()}>Propose tables</Button>
            </Stack>
            {proposal && (
              <>
                <Typography variant="subtitle1" component="h3">Proposed structure</Typography>
                {proposal.warnings.map((w) => (
                  <Alert key={w} severity="warning">{w}</Alert>
                ))}
                <StructureView structure={proposal.structure} />
                <MuiTextField label="Structure to accept (rename tables or columns here)" multiline minRows={8} value={edited} onChange={(e) => setEdited(e.target.value)} error={!!errors.structure} helperText={errors.structure} fullWidth />
                <Json value={proposal.sql} label="SQL accepting it runs" />
                <ConfirmAction label="Accept and create the tables" title="Create or migrate the tables?" content="The tables are created (or migrated, keeping their data) as shown." onConfirm={accept} />
              </>
            )}
            {errors.root && <Alert severity="error">{errors.root}</Alert>}
          </Stack>
        </Section>
      )}
    </Stack>
  );
}

function Records() {
  const l = useRecordContext<Listener>();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<ListenerRecords>();
  const [error, setError] = useState<string>();
  const [key, setKey] = useState('');
  if (!l) return null;
  const listener = l;
  const pk = l.structure?.primaryKey?.[0];
  async function load(cursor: string | null, at: number) {
    try {
      const p = await api<ListenerRecords>('GET', `/v1/listener-records/${listener.id}`, { query: { limit: 25, cursor: cursor ?? undefined, ...(pk && key ? { [`key.${pk}`]: key } : {}) } });
      setPage(p);
      setCursors((c) => [...c.slice(0, at + 1), p.nextCursor]);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  const at = page ? cursors.length - 2 : 0;
  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={2} alignItems="center">
        {pk && <MuiTextField size="small" label={`Key ${pk}`} value={key} onChange={(e) => setKey(e.target.value)} />}
        <Button variant="outlined" onClick={() => void load(null, 0)}>Show records</Button>
        {page && at > 0 && <Button onClick={() => void load(cursors[at - 1], at - 1)}>Previous</Button>}
        {page?.nextCursor && <Button onClick={() => void load(page.nextCursor, at + 1)}>Next</Button>}
      </Stack>
      {error && <Alert severity="error">{error}</Alert>}
      {page && page.data.length === 0 && <Typography variant="body2">No records.</Typography>}
      {page?.data.map((r, i) => (
        <Box key={i} component="article" aria-label={`Record ${i + 1}`}>
          <Json value={r} />
        </Box>
      ))}
    </Stack>
  );
}

function Logs() {
  const l = useRecordContext<Listener>();
  const [state, setState] = useState('all');
  const [entries, setEntries] = useState<ListenerLogEntry[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  if (!l) return null;
  const listener = l;
  async function load(cursor?: string) {
    try {
      const p = await api<{ data: ListenerLogEntry[]; nextCursor: string | null }>('GET', '/v1/listener-logs', { query: { listenerId: listener.id, state, limit: 25, cursor } });
      setEntries(cursor ? [...(entries ?? []), ...p.data] : p.data);
      setNext(p.nextCursor);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={2} alignItems="center">
        <MuiTextField select size="small" label="State" value={state} onChange={(e) => setState(e.target.value)} SelectProps={{ native: true }} sx={{ minWidth: 140 }}>
          <option value="all">all</option>
          <option value="success">success</option>
          <option value="error">error</option>
        </MuiTextField>
        <Button variant="outlined" onClick={() => void load()}>Show log</Button>
      </Stack>
      {error && <Alert severity="error">{error}</Alert>}
      {entries && (
        <Table size="small" aria-label="Webhook log">
          <TableHead>
            <TableRow>
              <TableCell>When</TableCell>
              <TableCell>Request</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Records</TableCell>
              <TableCell>Error</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {entries.map((e) => (
              <TableRow key={e.seq}>
                <TableCell>{new Date(e.at).toLocaleString()}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace' }}>{e.method} {e.path}</TableCell>
                <TableCell>{e.status} ({e.state})</TableCell>
                <TableCell>{e.records}</TableCell>
                <TableCell>{e.error ?? ''}{e.body ? <Json value={e.body} /> : null}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {next && <Button onClick={() => void load(next)}>More</Button>}
    </Stack>
  );
}

export function ListenerShow() {
  return (
    <Show actions={<ListenerActions />}>
      <TabbedShowLayout>
        <TabbedShowLayout.Tab label="Settings">
          <TextField source="name" />
          <TextField source="path" label="URL path (POST/PUT/PATCH/DELETE)" />
          <BooleanField source="enabled" />
          <FunctionField label="Authorization" render={(l: Listener) => (l.auth.method === 'token' ? `token in ${JSON.stringify(l.auth.location)}${l.auth.tokenSet ? '' : ' (no token yet)'}` : 'none')} />
          <TextField source="retention" />
          <TextField source="keepLogs" label="Log entries kept" />
          <FunctionField label="Signature" render={(l: Listener) => (l.signature ? JSON.stringify(l.signature) : 'none')} />
          <DateField source="createdAt" showTime />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Tables" path="tables">
          <GenerateTables />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Records" path="records">
          <Records />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Log" path="log">
          <Logs />
        </TabbedShowLayout.Tab>
      </TabbedShowLayout>
    </Show>
  );
}

/** Every listener's webhook log, with the seed's filters (listener name, state). */
export function ListenerLogList() {
  return (
    <List pagination={<CursorPagination />}
      title="Listener logs"
      filters={[
        <TextInput key="listener" source="listener" label="Listener name" alwaysOn />,
        <SelectInput key="state" source="state" choices={[{ id: 'all', name: 'all' }, { id: 'success', name: 'success' }, { id: 'error', name: 'error' }]} alwaysOn />,
      ]}
      perPage={25}
      queryOptions={{ refetchInterval: 5000 }}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <DateField source="at" label="When" showTime sortable={false} />
        <TextField source="listener" sortable={false} />
        <FunctionField label="Request" render={(e: ListenerLogEntry) => `${e.method} ${e.path}`} />
        <TextField source="status" sortable={false} />
        <TextField source="state" sortable={false} />
        <TextField source="records" sortable={false} />
        <TextField source="error" emptyText="" sortable={false} />
      </Datagrid>
    </List>
  );
}
