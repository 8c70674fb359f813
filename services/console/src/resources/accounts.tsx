// API accounts: list, create (the API token and TOTP secret shown once, the secret also as
// the QR code an authenticator app scans), grants, disable, rotate credentials, delete.
import { useRef, useState } from 'react';
import {
  BooleanField, BooleanInput, Create, CreateButton, Datagrid, DateField, DeleteWithConfirmButton, Edit, EditButton, FunctionField, List, NullableBooleanInput,
  SelectInput, Show, SimpleForm, SimpleShowLayout, TextField, TextInput, TopToolbar, required, useRecordContext, useRedirect, maxLength,
} from 'react-admin';
import { Stack, Typography } from '@mui/material';
import { QRCodeSVG } from 'qrcode.react';
import { api } from '../api/client';
import type { Account, Credentials } from '../api/types';
import { ConfirmAction, CopyField, ShownOnce, useRights } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';
import { ACTIONS } from '../permissions';
import { GrantsInput, GrantsSummary, grantsFromForm, grantsToForm, type GrantForm } from './grants';

const filters = [
  <TextInput key="q" source="q" label="Name contains" alwaysOn />,
  <NullableBooleanInput key="enabled" source="enabled" label="Enabled" />,
  <SelectInput key="action" source="action" label="With action" choices={ACTIONS.map((a) => ({ id: a, name: a }))} />,
];

export function AccountList() {
  const rights = useRights('accounts');
  return (
    <List pagination={<CursorPagination />} filters={filters} actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>} sort={undefined} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <BooleanField source="enabled" sortable={false} />
        <FunctionField label="Grants" render={(r: Account) => <GrantsSummary grants={r.grants} />} />
        <DateField source="lastLoginAt" label="Last login" showTime emptyText="never" sortable={false} />
        <DateField source="createdAt" label="Created" showTime sortable={false} />
      </Datagrid>
    </List>
  );
}

/** The credentials of a new account (or new ones after a rotation), with the TOTP secret as a QR code. */
export function CredentialsDialog({ account, credentials, onClose }: { account: { id: string; name: string }; credentials: Credentials; onClose: () => void }) {
  return (
    <ShownOnce title={`Credentials of ${account.name}`} open onClose={onClose}>
      <CopyField label="Account id" value={account.id} />
      <CopyField label="API token" value={credentials.token} />
      <CopyField label="TOTP secret" value={credentials.totp.secret} />
      <Stack direction="row" spacing={2} alignItems="center">
        <QRCodeSVG value={credentials.totp.otpauthUri} size={176} marginSize={4} role="img" aria-label="TOTP secret as a QR code for an authenticator app" data-otpauth="qr" />
        <Typography variant="body2">
          Scan with an authenticator app ({credentials.totp.algorithm}, {credentials.totp.digits} digits, every {credentials.totp.period} s), or type the secret. Sign in with the account id, the API token and the app's current code.
        </Typography>
      </Stack>
    </ShownOnce>
  );
}

function transform(data: { name: string; description?: string; enabled?: boolean; grants?: GrantForm[] }) {
  return { name: data.name, description: data.description || undefined, ...(data.enabled !== undefined ? { enabled: data.enabled } : {}), grants: grantsFromForm(data.grants) };
}

export function AccountCreate() {
  const redirect = useRedirect();
  const credentials = useRef<Credentials>(undefined);
  const [shown, setShown] = useState<{ account: Account; credentials: Credentials }>();
  return (
    <>
      <Create
        redirect={false}
        transform={(d: Parameters<typeof transform>[0]) => {
          const { enabled: _enabled, ...rest } = transform(d);
          return rest;
        }}
        mutationOptions={{
          // The credentials come beside the account; they stay in this component, never in react-admin's cache.
          meta: { onSecret: (extras: { credentials: Credentials }) => (credentials.current = extras.credentials) },
          onSuccess: (account: Account) => credentials.current && setShown({ account, credentials: credentials.current }),
        }}
      >
        <SimpleForm defaultValues={{ grants: [] }}>
          <TextInput source="name" validate={[required(), maxLength(200)]} />
          <TextInput source="description" multiline validate={maxLength(2000)} fullWidth />
          <GrantsInput />
        </SimpleForm>
      </Create>
      {shown && (
        <CredentialsDialog
          account={shown.account}
          credentials={shown.credentials}
          onClose={() => {
            credentials.current = undefined;
            redirect('show', 'accounts', shown.account.id);
          }}
        />
      )}
    </>
  );
}

export function AccountEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={(d: Parameters<typeof transform>[0]) => ({ ...transform(d), description: d.description || null })} queryOptions={{ select: (a: Account) => ({ ...a, grants: grantsToForm(a.grants) }) as never }}>
      <SimpleForm>
        <TextInput source="name" validate={[required(), maxLength(200)]} />
        <TextInput source="description" multiline validate={maxLength(2000)} fullWidth />
        <BooleanInput source="enabled" helperText="A disabled account cannot sign in, and its access tokens stop working at once" />
        <GrantsInput />
      </SimpleForm>
    </Edit>
  );
}

function AccountActions() {
  const rights = useRights('accounts');
  const a = useRecordContext<Account>();
  const [creds, setCreds] = useState<Credentials>();
  if (!a || !rights.write) return <TopToolbar />;
  return (
    <TopToolbar>
      <EditButton />
      <ConfirmAction
        label={a.enabled ? 'Disable' : 'Enable'}
        title={`${a.enabled ? 'Disable' : 'Enable'} ${a.name}?`}
        content={a.enabled ? 'It cannot sign in any more, and its access tokens stop working at once.' : 'It can sign in again with its credentials.'}
        onConfirm={() => api('PATCH', `/v1/accounts/${a.id}`, { body: { enabled: !a.enabled } })}
        done={a.enabled ? 'Account disabled' : 'Account enabled'}
      />
      <ConfirmAction
        label="Rotate credentials"
        title={`New credentials for ${a.name}?`}
        content="A new API token and TOTP secret are issued; the old ones and every access token issued before stop working."
        onConfirm={async () => setCreds((await api<{ credentials: Credentials }>('POST', `/v1/accounts/${a.id}/credentials`)).credentials)}
      />
      <DeleteWithConfirmButton confirmContent="Its tokens stop working; receivers naming it get nothing more." mutationMode="pessimistic" />
      {creds && <CredentialsDialog account={a} credentials={creds} onClose={() => setCreds(undefined)} />}
    </TopToolbar>
  );
}

export function AccountShow() {
  return (
    <Show actions={<AccountActions />}>
      <SimpleShowLayout>
        <TextField source="id" />
        <TextField source="name" />
        <TextField source="description" emptyText="—" />
        <BooleanField source="enabled" />
        <FunctionField label="Grants" render={(r: Account) => <GrantsSummary grants={r.grants} />} />
        <DateField source="credentialsIssuedAt" label="Credentials issued" showTime />
        <DateField source="lastLoginAt" label="Last login" showTime emptyText="never" />
        <DateField source="createdAt" showTime />
        <DateField source="updatedAt" showTime />
      </SimpleShowLayout>
    </Show>
  );
}
