// App installations: the catalogue (templates), installations and their departments.
import { useRef, useState } from 'react';
import {
  ArrayField, AutocompleteInput, ChipField, Create, CreateButton, Datagrid, DateField, FormDataConsumer, FunctionField, List, ReferenceInput, SelectInput, Show, SimpleForm, SimpleShowLayout, TextArrayInput, TextField, TextInput, TopToolbar, maxLength, required, useRecordContext, useRedirect,
  SingleFieldList,
} from 'react-admin';
import { FormControl, InputLabel, MenuItem, Select, Stack } from '@mui/material';
import { api } from '../api/client';
import type { Installation, Template } from '../api/types';
import { ConfirmAction, CopyField, Json, Section, ShownOnce, useRights } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';
import { UnitArrayInput, useUnits } from '../components/pickers';

export function TemplateList() {
  const rights = useRights('templates');
  return (
    <List pagination={<CursorPagination />} title="Catalogue" filters={[<SelectInput key="retired" source="retired" choices={[{ id: 'false', name: 'current' }, { id: 'true', name: 'retired' }]} alwaysOn />]} actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="ownerTenant" label="Owner" emptyText="catalogue" sortable={false} />
        <TextField source="channel.kind" label="Channel" sortable={false} />
        <TextField source="oauth.grantType" label="Grant type" sortable={false} />
        <TextField source="version" sortable={false} />
        <DateField source="retiredAt" label="Retired" emptyText="" sortable={false} />
      </Datagrid>
    </List>
  );
}

export function TemplateCreate() {
  const redirect = useRedirect();
  const secret = useRef<string>(undefined);
  const [shown, setShown] = useState<{ id: string; secret: string }>();
  return (
    <>
      <Create
        redirect={false}
        transform={(d: Template & { oauth: { algorithm: string | null } }) => ({ ...d, oauth: { ...d.oauth, algorithm: d.oauth.algorithm || null } })}
        mutationOptions={{
          meta: { onSecret: (x: { secret?: string }) => (secret.current = x.secret) },
          onSuccess: (t: Template) => (secret.current ? setShown({ id: t.id, secret: secret.current }) : redirect('show', 'templates', t.id)),
        }}
      >
        <SimpleForm defaultValues={{ channel: { kind: 'hookup-url' }, oauth: { grantType: 'client_credentials', clientType: 'confidential', redirectUris: [], scopes: [], algorithm: '' } }}>
          <TextInput source="name" validate={[required(), maxLength(200)]} />
          <TextInput source="description" fullWidth validate={maxLength(2000)} />
          <SelectInput source="channel.kind" label="Notify by" choices={[{ id: 'hookup-url', name: 'Hookup URL' }, { id: 'email', name: 'E-mail' }]} />
          <FormDataConsumer>
            {({ formData }) => (formData?.channel?.kind === 'email' ? <TextInput source="channel.address" label="E-mail address" validate={required()} /> : <TextInput source="channel.url" label="Hookup URL" validate={required()} fullWidth />)}
          </FormDataConsumer>
          <Stack direction="row" spacing={2}>
            <SelectInput source="oauth.grantType" label="Grant type" choices={[{ id: 'client_credentials', name: 'client_credentials' }, { id: 'authorization_code', name: 'authorization_code' }]} />
            <SelectInput source="oauth.clientType" label="Client type" choices={[{ id: 'confidential', name: 'confidential' }, { id: 'public', name: 'public' }]} />
            <SelectInput source="oauth.algorithm" label="ID token algorithm" choices={[{ id: '', name: 'none (no OpenID Connect)' }, { id: 'HS256', name: 'HS256' }, { id: 'RS256', name: 'RS256' }]} />
          </Stack>
          <TextArrayInput source="oauth.redirectUris" label="Redirect URIs" helperText="Required for authorization_code" />
          <TextArrayInput source="oauth.scopes" label="Scopes" helperText="openid makes it an OpenID client" />
        </SimpleForm>
      </Create>
      {shown && (
        <ShownOnce title="The template's signing secret" open onClose={() => redirect('show', 'templates', shown.id)}>
          <CopyField label="Signing secret" value={shown.secret} />
        </ShownOnce>
      )}
    </>
  );
}

export function TemplateShow() {
  const rights = useRights('templates');
  return (
    <Show actions={<TemplateActions write={rights.write} />}>
      <SimpleShowLayout>
        <TextField source="name" />
        <TextField source="description" emptyText="—" />
        <TextField source="ownerTenant" label="Owner" emptyText="catalogue" />
        <FunctionField label="Channel" render={(t: Template) => <Json value={t.channel} label="Channel" />} />
        <FunctionField label="OAuth" render={(t: Template) => <Json value={t.oauth} label="OAuth" />} />
        <TextField source="version" />
        <DateField source="retiredAt" label="Retired" emptyText="no" showTime />
      </SimpleShowLayout>
    </Show>
  );
}

function TemplateActions({ write }: { write: boolean }) {
  const t = useRecordContext<Template>();
  if (!t || !write || t.retiredAt) return <TopToolbar />;
  return (
    <TopToolbar>
      <ConfirmAction label="Retire" color="error" title={`Retire ${t.name}?`} content="No new installations; existing ones keep working." onConfirm={() => api('POST', `/v1/templates/${t.id}/retire`, { tenant: 'none' })} done="Template retired" />
    </TopToolbar>
  );
}

export function InstallationList() {
  const rights = useRights('installations');
  return (
    <List pagination={<CursorPagination />} filters={[<SelectInput key="status" source="status" choices={[{ id: 'active', name: 'active' }, { id: 'uninstalled', name: 'uninstalled' }]} alwaysOn />]} actions={<TopToolbar>{rights.write && <CreateButton label="Install" />}</TopToolbar>} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="templateName" label="App" sortable={false} />
        <TextField source="status" sortable={false} />
        <FunctionField label="Departments" render={(i: Installation) => i.departments.map((d) => d.unit).join(', ') || '—'} />
        <TextField source="clientId" label="Client id" sortable={false} />
        <DateField source="createdAt" label="Installed" showTime sortable={false} />
      </Datagrid>
    </List>
  );
}

export function InstallationCreate() {
  return (
    <Create redirect="show">
      <SimpleForm defaultValues={{ departments: [] }}>
        <ReferenceInput source="templateId" reference="templates" filter={{ retired: 'false' }}>
          <AutocompleteInput label="App (template)" optionText="name" validate={required()} />
        </ReferenceInput>
        <UnitArrayInput source="departments" label="Departments" />
      </SimpleForm>
    </Create>
  );
}

function Departments() {
  const i = useRecordContext<Installation>();
  const units = useUnits();
  const [unit, setUnit] = useState('');
  const rights = useRights('installations');
  if (!i) return null;
  const active = i.status === 'active';
  return (
    <Section title="Departments">
      <ArrayField source="departments">
        <SingleFieldList linkType={false}>
          <ChipField source="unit" />
        </SingleFieldList>
      </ArrayField>
      {active && rights.write && (
        <Stack direction="row" spacing={2} sx={{ mt: 1 }} alignItems="center">
          <FormControl size="small" sx={{ minWidth: 240 }}>
            <InputLabel id="dept-label">Unit</InputLabel>
            <Select labelId="dept-label" label="Unit" value={unit} onChange={(e) => setUnit(e.target.value)}>
              {units.map((u) => (
                <MenuItem key={u.id} value={u.id}>
                  {u.path.join(' › ')}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          {unit && !i.departments.some((d) => d.unit === unit) && (
            <ConfirmAction label="Enable for the unit" title={`Enable ${i.templateName} for ${unit}?`} content="The provider is notified." onConfirm={() => api('PUT', `/v1/installations/${i.id}/departments/${encodeURIComponent(unit)}`)} />
          )}
          {unit && i.departments.some((d) => d.unit === unit) && (
            <ConfirmAction label="Disable for the unit" color="error" title={`Disable ${i.templateName} for ${unit}?`} content="The provider is notified." onConfirm={() => api('DELETE', `/v1/installations/${i.id}/departments/${encodeURIComponent(unit)}`)} />
          )}
        </Stack>
      )}
    </Section>
  );
}

function InstallationActions() {
  const i = useRecordContext<Installation>();
  const rights = useRights('installations');
  if (!i || !rights.write || i.status !== 'active') return <TopToolbar />;
  return (
    <TopToolbar>
      {i.oauth?.clientType !== 'public' && (
        <ConfirmAction label="Rotate client secret" title="Rotate the client secret?" content="The old secret stops working now; the provider gets the new one." onConfirm={() => api('POST', `/v1/installations/${i.id}/rotate-secret`)} done="Secret rotated" />
      )}
      <ConfirmAction label="Uninstall" color="error" title={`Uninstall ${i.templateName}?`} content="Its OAuth client, grants and tokens are deleted at once." onConfirm={() => api('DELETE', `/v1/installations/${i.id}`)} done="Uninstalled" />
    </TopToolbar>
  );
}

export function InstallationShow() {
  return (
    <Show actions={<InstallationActions />}>
      <SimpleShowLayout>
        <TextField source="templateName" label="App" />
        <TextField source="status" />
        <TextField source="clientId" label="Client id" />
        <TextField source="templateVersion" label="Template version" />
        <TextField source="secretVersion" label="Secret version" />
        <DateField source="createdAt" label="Installed" showTime />
        <DateField source="uninstalledAt" label="Uninstalled" showTime emptyText="—" />
        <Departments />
      </SimpleShowLayout>
    </Show>
  );
}

