// Custom integrations: settings with the payload preview (the seed's Payload Information,
// asked of the API as the form changes), and the log of background requests.
import { useEffect, useState } from 'react';
import {
  BooleanField, BooleanInput, Create, CreateButton, Datagrid, DateField, DateTimeInput, DeleteWithConfirmButton, Edit, EditButton, FormDataConsumer, FunctionField, List,
  SelectInput, Show, SimpleForm, SimpleShowLayout, TextField, TextInput, TopToolbar, maxLength, required, useRecordContext, ReferenceInput, AutocompleteInput,
} from 'react-admin';
import { Alert, Box, Card, CardContent, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { api } from '../api/client';
import type { Integration, PayloadPreview } from '../api/types';
import { Json, Section, useRights } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';

const PAGES = ['client', 'patient', 'invoice', 'consultation', 'appointment_calendar', 'shift_calendar', 'diagnostic_imaging', 'reminders'].map((p) => ({ id: p, name: p }));
const ACTIONS = [
  { id: 'background', name: 'Background request (through the platform)' },
  { id: 'new_window', name: 'New window' },
  { id: 'side_panel', name: 'Side panel' },
];
const METHODS = [{ id: 'GET', name: 'GET (query string)' }, { id: 'POST', name: 'POST (form data)' }];

export function IntegrationList() {
  const rights = useRights('integrations');
  return (
    <List pagination={<CursorPagination />} filters={[<SelectInput key="page" source="page" choices={PAGES} alwaysOn />]} actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="page" sortable={false} />
        <TextField source="action" sortable={false} />
        <TextField source="method" sortable={false} />
        <TextField source="url" label="URL" sortable={false} />
        <BooleanField source="enabled" sortable={false} />
      </Datagrid>
    </List>
  );
}

/** The payload a draft would send, fetched from POST /v1/integrations/preview as the form changes. */
function PreviewOf({ draft }: { draft: Record<string, unknown> }) {
  const [preview, setPreview] = useState<PayloadPreview>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(draft);
  useEffect(() => {
    const t = setTimeout(() => {
      if (!draft.url || !draft.parameterName) return;
      api<PayloadPreview>('POST', '/v1/integrations/preview', { body: draft }).then(
        (p) => {
          setPreview(p);
          setError(undefined);
        },
        (e: Error) => setError(e.message),
      );
    }, 300);
    return () => clearTimeout(t);
  }, [key]);
  return <PreviewView preview={preview} error={error} />;
}

function PreviewView({ preview, error }: { preview?: PayloadPreview; error?: string }) {
  return (
    <Card variant="outlined" sx={{ mt: 1, width: '100%' }} component="section" aria-label="Payload preview">
      <CardContent>
        <Typography variant="subtitle1" component="h2">Payload preview</Typography>
        {error && <Alert severity="warning">{error}</Alert>}
        {!preview && !error && <Typography variant="body2">Give a URL and a parameter name to see what is sent.</Typography>}
        {preview && (
          <>
            <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
              {preview.method} {preview.url} — as {preview.sentAs}
            </Typography>
            <Table size="small" aria-label="Payload fields">
              <TableBody>
                {preview.fields.map((f) => (
                  <TableRow key={f.key}>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{f.key}</TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{f.value}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            {preview.exampleUrl && <Typography variant="caption" sx={{ wordBreak: 'break-all' }}>{preview.exampleUrl}</Typography>}
            {preview.headers.length > 0 && <Typography variant="body2">Static headers: {preview.headers.join(', ')}</Typography>}
          </>
        )}
      </CardContent>
    </Card>
  );
}

function headersFromText(text: unknown): Record<string, string> | null | undefined {
  if (text === undefined) return undefined;
  if (text === null || String(text).trim() === '') return null;
  const out: Record<string, string> = {};
  for (const line of String(text).split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function IntegrationFields({ editing }: { editing?: boolean }) {
  return (
    <>
      <TextInput source="name" validate={[required(), maxLength(200)]} helperText="The button's label" />
      <Stack direction="row" spacing={2}>
        <SelectInput source="page" choices={PAGES} validate={required()} />
        <SelectInput source="action" choices={ACTIONS} validate={required()} />
        <SelectInput source="method" choices={METHODS} validate={required()} />
      </Stack>
      <TextInput source="url" label="URL" validate={required()} fullWidth />
      <TextInput source="parameterName" label="Parameter name" validate={required()} helperText="id sends id=1; id=client_ sends id=client_1" />
      <BooleanInput source="enabled" />
      <BooleanInput source="verification" label="Add timestamp and verification (MD5 of timestamp + salt)" />
      <TextInput source="verificationSalt" label={editing ? 'New verification salt (write-only; empty keeps it)' : 'Verification salt (write-only)'} type="password" helperText="8–1024 characters, held by the signer only" />
      <FormDataConsumer>
        {({ formData }) =>
          formData?.action === 'background' ? (
            <TextInput source="headersText" label={editing ? 'Replace static headers (one "Name: value" a line; write-only)' : 'Static headers (one "Name: value" a line; write-only)'} multiline minRows={2} fullWidth />
          ) : null
        }
      </FormDataConsumer>
      <FormDataConsumer>
        {({ formData }) => (
          <PreviewOf
            draft={{
              method: formData?.method,
              url: formData?.url,
              parameterName: formData?.parameterName,
              verification: !!formData?.verification,
              page: formData?.page,
              action: formData?.action,
              headerNames: Object.keys(headersFromText(formData?.headersText) ?? {}).length ? Object.keys(headersFromText(formData?.headersText) ?? {}) : (formData?.headerNames ?? []),
            }}
          />
        )}
      </FormDataConsumer>
    </>
  );
}

function integrationTransform(d: Integration & { verificationSalt?: string; headersText?: string }) {
  const { headersText, verificationSalt, id: _id, tenant: _t, createdAt: _c, updatedAt: _u, verificationConfigured: _v, headerNames: _h, ...rest } = d as Integration & { verificationSalt?: string; headersText?: string };
  return {
    ...rest,
    ...(verificationSalt ? { verificationSalt } : {}),
    ...(headersText !== undefined && d.action === 'background' ? { headers: headersFromText(headersText) ?? undefined } : {}),
  };
}

export function IntegrationCreate() {
  return (
    <Create redirect="show" transform={integrationTransform}>
      <SimpleForm defaultValues={{ action: 'background', method: 'GET', parameterName: 'id', enabled: true, verification: false }}>
        <IntegrationFields />
      </SimpleForm>
    </Create>
  );
}

export function IntegrationEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={integrationTransform}>
      <SimpleForm>
        <IntegrationFields editing />
      </SimpleForm>
    </Edit>
  );
}

function SavedPreview() {
  const i = useRecordContext<Integration>();
  const [objectId, setObjectId] = useState('123');
  const [preview, setPreview] = useState<PayloadPreview>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!i) return;
    api<PayloadPreview>('GET', `/v1/integrations/${i.id}/preview`, { query: { objectId } }).then(setPreview, (e: Error) => setError(e.message));
  }, [i?.id, i?.updatedAt, objectId]);
  return (
    <Box>
      <label>
        Object id for the preview{' '}
        <input value={objectId} onChange={(e) => setObjectId(e.target.value)} aria-label="Object id for the preview" />
      </label>
      <PreviewView preview={preview} error={error} />
    </Box>
  );
}

export function IntegrationShow() {
  const rights = useRights('integrations');
  return (
    <Show actions={rights.write ? <TopToolbar><EditButton /><DeleteWithConfirmButton mutationMode="pessimistic" confirmContent="Its requests stay in the log; waiting ones are cancelled." /></TopToolbar> : <TopToolbar />}>
      <SimpleShowLayout>
        <TextField source="name" />
        <TextField source="page" />
        <TextField source="action" />
        <TextField source="method" />
        <TextField source="url" label="URL" />
        <TextField source="parameterName" />
        <BooleanField source="enabled" />
        <BooleanField source="verification" />
        <BooleanField source="verificationConfigured" label="Salt held by the signer" />
        <FunctionField label="Static headers" render={(i: Integration) => (i.headerNames.length ? i.headerNames.join(', ') : 'none')} />
        <SavedPreview />
      </SimpleShowLayout>
    </Show>
  );
}

// --- the log ---
const STATES = ['scheduled', 'sending', 'succeeded', 'failed'].map((s) => ({ id: s, name: s }));

export function IntegrationLogList() {
  return (
    <List pagination={<CursorPagination />}
      title="Integration log"
      filters={[
        <ReferenceInput key="integration" source="integration" reference="integrations" alwaysOn><AutocompleteInput label="Integration" optionText="name" /></ReferenceInput>,
        <SelectInput key="state" source="state" choices={STATES} alwaysOn />,
        <TextInput key="user" source="user" label="User or account id" />,
        <DateTimeInput key="from" source="from" label="From" />,
        <DateTimeInput key="to" source="to" label="Until" />,
      ]}
      perPage={25}
      queryOptions={{ refetchInterval: 5000 }}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <DateField source="createdAt" label="When" showTime sortable={false} />
        <TextField source="integration.name" label="Integration" sortable={false} />
        <TextField source="page" sortable={false} />
        <FunctionField label="Objects" render={(r: { objectIds: string[] }) => r.objectIds.join(', ')} />
        <FunctionField label="Triggered by" render={(r: { triggeredBy: Record<string, unknown> | null }) => (r.triggeredBy ? Object.values(r.triggeredBy).filter((v) => typeof v === 'string').join(' ') : '—')} />
        <TextField source="state" sortable={false} />
        <TextField source="error" emptyText="" sortable={false} />
      </Datagrid>
    </List>
  );
}

export function IntegrationLogShow() {
  return (
    <Show title="Integration request">
      <SimpleShowLayout>
        <TextField source="id" label="Job id" />
        <TextField source="integration.name" label="Integration" />
        <TextField source="state" />
        <TextField source="error" emptyText="—" />
        <FunctionField label="Payload" render={(r: { payload?: unknown }) => <Json value={r.payload} label="Payload" />} />
        <FunctionField
          label="Attempts"
          render={(r: { attempts?: unknown[] }) => (
            <Section title={`Attempts (${r.attempts?.length ?? 0})`}>
              <Json value={r.attempts ?? []} label="Attempts" />
            </Section>
          )}
        />
      </SimpleShowLayout>
    </Show>
  );
}
