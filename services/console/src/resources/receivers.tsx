// Webhook receivers: URL, topics, receiving account, protocol; the secret shown once (on
// create and on rotation, with the overlap the old one keeps signing); soft delete and
// restore; the deliveries of one receiver with their chart.
import { useRef, useState } from 'react';
import {
  AutocompleteArrayInput, BooleanField, BooleanInput, Create, CreateButton, Datagrid, DateField, Edit, EditButton, FormDataConsumer,
  FunctionField, List, ReferenceManyField, SelectInput, Show, SimpleForm,
  TabbedShowLayout, TextField, TextInput, TopToolbar, required, useGetList, useRecordContext, useRedirect,
} from 'react-admin';
import { Dialog, DialogActions, DialogContent, DialogTitle, Button as MuiButton, Stack, TextField as MuiTextField, Typography } from '@mui/material';
import { api } from '../api/client';
import type { Receiver, RotateSecretAnswer } from '../api/types';
import { ConfirmAction, CopyField, ShownOnce, useRights } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';
import { AccountField, AccountInput } from '../components/pickers';
import { DeliveryChart } from './delivery-chart';
import { DeliveryRows } from './deliveries';

const PROTOCOLS = [
  { id: 'websub', name: 'WebSub (X-Hub-Signature)' },
  { id: 'standard-webhooks', name: 'Standard Webhooks' },
  { id: 'oauth2', name: 'OAuth2 client credentials' },
  { id: 'none', name: 'None' },
];

function TopicsInput() {
  // The catalogue's names as suggestions; a pattern (Accounts.*, Accounts.>) can be typed too.
  const { data = [] } = useGetList('topics', { pagination: { page: 1, perPage: 500 } });
  const record = useRecordContext<Receiver>();
  const [extra, setExtra] = useState<string[]>([]);
  // The catalogue, the receiver's own entries (patterns are not in the catalogue) and what was typed.
  const names = [...new Set([...data.map((t) => t.name as string), ...(record?.topics ?? []), ...extra])];
  const choices = names.map((n) => ({ id: n, name: n }));
  return (
    <AutocompleteArrayInput
      source="topics"
      choices={choices}
      validate={required()}
      helperText="Topic names from the catalogue, or patterns such as Accounts.* (type and press Enter)"
      onCreate={(text?: string) => {
        if (!text) return undefined;
        setExtra((x) => [...x, text]);
        return { id: text, name: text };
      }}
      createItemLabel="Use the pattern %{item}"
      sx={{ minWidth: 420 }}
    />
  );
}

function AuthInputs() {
  return (
    <>
      <SelectInput source="auth.protocol" label="Protocol" choices={PROTOCOLS} validate={required()} />
      <FormDataConsumer>
        {({ formData }) => {
          const p = formData?.auth?.protocol;
          if (p === 'websub')
            return (
              <Stack direction="row" spacing={2}>
                <SelectInput source="auth.algorithm" label="Algorithm" choices={['sha1', 'sha256', 'sha384', 'sha512'].map((a) => ({ id: a, name: a }))} defaultValue="sha256" />
                <TextInput source="auth.secret" label="Own secret (optional)" helperText="16–1024 characters; generated when left empty" type="password" />
              </Stack>
            );
          if (p === 'standard-webhooks') return <TextInput source="auth.secret" label="Own secret (optional)" helperText="generated when left empty" type="password" />;
          if (p === 'oauth2')
            return (
              <Stack spacing={0}>
                <TextInput source="auth.tokenUrl" label="Token URL" validate={required()} fullWidth />
                <TextInput source="auth.clientId" label="Client id" validate={required()} />
                <TextInput source="auth.clientSecret" label="Client secret" validate={required()} type="password" />
                <TextInput source="auth.scope" label="Scope" />
                <TextInput source="auth.audience" label="Audience" />
              </Stack>
            );
          return null;
        }}
      </FormDataConsumer>
    </>
  );
}

function emptyToUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== null && v !== undefined)) as T;
}

const filters = [
  <SelectInput key="deleted" source="deleted" label="Deleted" choices={[{ id: 'false', name: 'live only' }, { id: 'true', name: 'deleted only' }]} alwaysOn />,
  <AccountInput key="accountId" source="accountId" label="Receiving account" />,
  <TextInput key="topic" source="topic" label="Topic entry" />,
];

export function ReceiverList() {
  const rights = useRights('receivers');
  return (
    <List pagination={<CursorPagination />} filters={filters} actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="url" label="URL" sortable={false} />
        <FunctionField label="Topics" render={(r: Receiver) => r.topics.join(', ')} />
        <TextField source="auth.protocol" label="Protocol" sortable={false} />
        <BooleanField source="enabled" sortable={false} />
        <DateField source="deletedAt" label="Deleted" showTime emptyText="" sortable={false} />
      </Datagrid>
    </List>
  );
}

function SecretDialog({ title, secret, until, onClose }: { title: string; secret: string; until?: string; onClose: () => void }) {
  return (
    <ShownOnce title={title} open onClose={onClose}>
      <CopyField label="Signing secret" value={secret} />
      {until && <Typography variant="body2">The previous secret keeps signing until {new Date(until).toLocaleString()}.</Typography>}
    </ShownOnce>
  );
}

export function ReceiverCreate() {
  const redirect = useRedirect();
  const secret = useRef<string>(undefined);
  const [shown, setShown] = useState<{ id: string; secret: string }>();
  return (
    <>
      <Create
        redirect={false}
        transform={(d: Receiver & { auth: Record<string, unknown> }) => ({ ...d, auth: emptyToUndefined(d.auth) })}
        mutationOptions={{
          meta: { onSecret: (x: { secret?: string }) => (secret.current = x.secret) },
          onSuccess: (r: Receiver) => (secret.current ? setShown({ id: r.id, secret: secret.current }) : redirect('show', 'receivers', r.id)),
        }}
      >
        <SimpleForm defaultValues={{ auth: { protocol: 'websub' }, enabled: true }}>
          <TextInput source="name" validate={required()} />
          <TextInput source="url" label="URL" validate={required()} fullWidth helperText="http or https; private and loopback addresses are refused unless the platform allows them" />
          <TopicsInput />
          <AccountInput source="accountId" label="Receiving account" validate={required()} helperText="Only events this account may see are sent" />
          <AuthInputs />
          <BooleanInput source="enabled" />
        </SimpleForm>
      </Create>
      {shown && (
        <SecretDialog
          title="The receiver's signing secret"
          secret={shown.secret}
          onClose={() => {
            secret.current = undefined;
            redirect('show', 'receivers', shown.id);
          }}
        />
      )}
    </>
  );
}

export function ReceiverEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={(d: Receiver) => ({ name: d.name, url: d.url, topics: d.topics, accountId: d.accountId, enabled: d.enabled })}>
      <SimpleForm>
        <TextInput source="name" validate={required()} />
        <TextInput source="url" label="URL" validate={required()} fullWidth />
        <TopicsInput />
        <AccountInput source="accountId" label="Receiving account" validate={required()} />
        <BooleanInput source="enabled" helperText="A disabled receiver gets nothing; its waiting retries are cancelled" />
      </SimpleForm>
    </Edit>
  );
}

function RotateSecret({ receiver }: { receiver: Receiver }) {
  const [open, setOpen] = useState(false);
  const [overlap, setOverlap] = useState(86400);
  const [clientSecret, setClientSecret] = useState('');
  const [error, setError] = useState<string>();
  const [answer, setAnswer] = useState<RotateSecretAnswer>();
  const oauth = receiver.auth.protocol === 'oauth2';
  // The client secret typed is kept only while the dialog is open: not for the next rotation, nor in the page.
  const close = () => {
    setOpen(false);
    setClientSecret('');
  };
  async function rotate() {
    setError(undefined);
    try {
      setAnswer(await api('POST', '/v1/receivers/{id}/rotate-secret', { params: { path: { id: receiver.id } }, body: oauth ? { secret: clientSecret } : { overlapSeconds: overlap } }));
      close();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <>
      <MuiButton size="small" onClick={() => setOpen(true)}>
        Rotate secret
      </MuiButton>
      <Dialog open={open} onClose={close} aria-labelledby="rotate-title">
        <DialogTitle id="rotate-title">Rotate the secret of {receiver.name}?</DialogTitle>
        <DialogContent>
          {oauth ? (
            <MuiTextField label="New OAuth2 client secret" type="password" fullWidth margin="normal" value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} />
          ) : (
            <>
              <Typography variant="body2">A new secret signs from now on; the old one keeps signing for the overlap.</Typography>
              <MuiTextField label="Overlap (seconds)" type="number" margin="normal" value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} inputProps={{ min: 0, max: 2592000 }} />
            </>
          )}
          {error && (
            <Typography color="error" role="alert">
              {error}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={close}>Cancel</MuiButton>
          <MuiButton onClick={() => void rotate()} variant="contained">
            Rotate
          </MuiButton>
        </DialogActions>
      </Dialog>
      {answer?.secret && <SecretDialog title="The new signing secret" secret={answer.secret} until={answer.previousSecretValidUntil} onClose={() => setAnswer(undefined)} />}
    </>
  );
}

function ReceiverActions() {
  const rights = useRights('receivers');
  const r = useRecordContext<Receiver>();
  if (!r || !rights.write) return <TopToolbar />;
  return (
    <TopToolbar>
      {!r.deletedAt && <EditButton />}
      {!r.deletedAt && r.auth.protocol !== 'none' && <RotateSecret receiver={r} />}
      {r.deletedAt ? (
        <ConfirmAction
          label="Restore"
          title={`Restore ${r.name}?`}
          content="It gets deliveries of new events again, with its settings and secret."
          onConfirm={() => api('POST', '/v1/receivers/{id}/restore', { params: { path: { id: r.id } } })}
          done="Receiver restored"
        />
      ) : (
        <ConfirmAction
          label="Delete"
          color="error"
          title={`Delete ${r.name}?`}
          content="No new deliveries; waiting retries are cancelled. It can be restored (with its secret) for a while."
          onConfirm={() => api('DELETE', '/v1/receivers/{id}', { params: { path: { id: r.id } } })}
          done="Receiver deleted"
        />
      )}
    </TopToolbar>
  );
}

export function ReceiverShow() {
  return (
    <Show actions={<ReceiverActions />} queryOptions={{ refetchInterval: 10_000 }}>
      <TabbedShowLayout>
        <TabbedShowLayout.Tab label="Settings">
          <TextField source="id" />
          <TextField source="name" />
          <TextField source="url" label="URL" />
          <FunctionField label="Topics" render={(r: Receiver) => r.topics.join(', ')} />
          <AccountField source="accountId" label="Receiving account" />
          <TextField source="auth.protocol" label="Protocol" />
          <TextField source="auth.algorithm" label="Algorithm" emptyText="—" />
          <BooleanField source="enabled" />
          <DateField source="deletedAt" label="Deleted" showTime emptyText="no" />
          <DateField source="createdAt" showTime />
          <DateField source="updatedAt" showTime />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Deliveries" path="deliveries">
          <FunctionField render={(r: Receiver) => <DeliveryChart target={r.id} />} />
          <ReferenceManyField reference="deliveries" target="target" perPage={25} pagination={<CursorPagination />} queryOptions={{ refetchInterval: 3000 }}>
            <DeliveryRows />
          </ReferenceManyField>
        </TabbedShowLayout.Tab>
      </TabbedShowLayout>
    </Show>
  );
}

