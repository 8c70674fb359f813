// Tenants (the operator's), the unit tree and users.
import {
  BooleanInput, Create, CreateButton, Datagrid, DateField, DeleteWithConfirmButton, Edit, EditButton, FormDataConsumer,
  FunctionField, List, Show, SimpleForm, SimpleShowLayout, TextField, TextInput, TopToolbar, maxLength, regex, required,
  Link,
} from 'react-admin';
import { Box, Typography } from '@mui/material';
import type { Unit, User } from '../api/types';
import { useRights } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';
import { UnitArrayInput, UnitInput, useUnits } from '../components/pickers';

const idRe = regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, "letters, digits and . _ : @ -, starting with a letter or digit");

// --- tenants (operator) ---
export function TenantList() {
  return (
    <List pagination={<CursorPagination />} actions={<TopToolbar><CreateButton /></TopToolbar>} perPage={25}>
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="id" sortable={false} />
        <TextField source="name" sortable={false} />
        <TextField source="baseUrl" label="Base URL" emptyText="(the platform's)" sortable={false} />
        <DateField source="createdAt" showTime sortable={false} />
      </Datagrid>
    </List>
  );
}
export function TenantCreate() {
  return (
    <Create redirect="list">
      <SimpleForm>
        <TextInput source="id" validate={[required(), regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes (at most 63), starting with a letter or digit')]} />
        <TextInput source="name" validate={[required(), maxLength(200)]} />
        <TextInput source="baseUrl" label="Base URL" helperText="The API base URL login hands to this tenant's accounts (optional)" fullWidth />
      </SimpleForm>
    </Create>
  );
}
export function TenantEdit() {
  return (
    <Edit mutationMode="pessimistic">
      <SimpleForm>
        <TextInput source="id" disabled />
        <TextInput source="name" validate={[required(), maxLength(200)]} />
        <TextInput source="baseUrl" label="Base URL" fullWidth />
      </SimpleForm>
    </Edit>
  );
}

// --- units: the tree ---
const unitPath = (u: Unit) => u.path.join(' › ');

/** The units a grant covers, as a tree (indented by depth), with the list's filters and pages. */
export function UnitList() {
  const rights = useRights('units');
  return (
    <List pagination={<CursorPagination />}
      filters={[<TextInput key="q" source="q" label="Name contains" alwaysOn />, <UnitInput key="under" source="under" label="Under unit" />]}
      actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>}
      perPage={100}
      aside={<UnitTree />}
    >
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="id" sortable={false} />
        <TextField source="name" sortable={false} />
        <FunctionField label="Path" render={unitPath} />
        {rights.write && <DeleteWithConfirmButton mutationMode="pessimistic" confirmContent="A unit with units below it cannot be deleted." />}
      </Datagrid>
    </List>
  );
}

function UnitTree() {
  const data = useUnits();
  const sorted = [...data].sort((a, b) => a.path.join('\u0000').localeCompare(b.path.join('\u0000')));
  return (
    <Box component="nav" aria-label="Unit tree" sx={{ width: 260, ml: 2, p: 2, bgcolor: 'background.paper', borderRadius: 1, alignSelf: 'flex-start' }}>
      <Typography variant="subtitle2" component="h2">Tree</Typography>
      <Box component="ul" sx={{ listStyle: 'none', p: 0, m: 0 }}>
        {sorted.map((u) => (
          <Box component="li" key={u.id} sx={{ pl: (u.path.length - 1) * 2, py: 0.25 }}>
            <Link to={`/units/${encodeURIComponent(u.id)}`}>{u.name}</Link>
          </Box>
        ))}
      </Box>
    </Box>
  );
}

export function UnitCreate() {
  return (
    <Create redirect="list" transform={(d: { parentId?: string }) => ({ ...d, parentId: d.parentId || undefined })}>
      <SimpleForm>
        <TextInput source="id" validate={[required(), idRe]} helperText="The host's id, as events' object.unit carry it" />
        <TextInput source="name" validate={[required(), maxLength(200)]} />
        <UnitInput source="parentId" label="Parent unit" helperText="Empty: a root unit (needs units:write on the whole tenant)" />
      </SimpleForm>
    </Create>
  );
}
export function UnitEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={(d: Unit) => ({ name: d.name, parentId: d.parentId || null })}>
      <SimpleForm>
        <TextInput source="id" disabled />
        <TextInput source="name" label="Name (rename)" validate={[required(), maxLength(200)]} />
        <UnitInput source="parentId" label="Parent unit (move)" helperText="Moving takes everything below it along; empty makes it a root" />
      </SimpleForm>
    </Edit>
  );
}

// --- users ---
export function UserList() {
  const rights = useRights('users');
  return (
    <List pagination={<CursorPagination />} filters={[<TextInput key="q" source="q" label="Name contains" alwaysOn />, <UnitInput key="unit" source="unit" label="Who may see unit" />]} actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="id" sortable={false} />
        <TextField source="displayName" label="Name" sortable={false} />
        <FunctionField label="Units" render={(u: User) => (u.units === '*' ? 'the whole tenant' : u.units.join(', ') || 'none')} />
      </Datagrid>
    </List>
  );
}

function UserUnits() {
  return (
    <>
      <BooleanInput source="allUnits" label="Sees the whole tenant" />
      <FormDataConsumer>
        {({ formData }) =>
          formData?.allUnits ? null : (
            <UnitArrayInput source="units" label="Units" />
          )
        }
      </FormDataConsumer>
    </>
  );
}
const userTransform = (d: User & { allUnits?: boolean }) => ({ id: d.id, displayName: d.displayName, units: d.allUnits ? '*' : (d.units === '*' ? [] : (d.units ?? [])) });

export function UserCreate() {
  return (
    <Create redirect="show" transform={userTransform}>
      <SimpleForm defaultValues={{ units: [], allUnits: false }}>
        <TextInput source="id" validate={[required(), idRe]} helperText="The host's user id" />
        <TextInput source="displayName" label="Display name" validate={[required(), maxLength(200)]} />
        <UserUnits />
      </SimpleForm>
    </Create>
  );
}
export function UserEdit() {
  return (
    <Edit
      mutationMode="pessimistic"
      transform={(d: User & { allUnits?: boolean }) => {
        const { id: _id, ...rest } = userTransform(d);
        return rest;
      }}
      queryOptions={{ select: (u: User) => ({ ...u, allUnits: u.units === '*', units: u.units === '*' ? [] : u.units }) as never }}
    >
      <SimpleForm>
        <TextInput source="id" disabled />
        <TextInput source="displayName" label="Display name" validate={[required(), maxLength(200)]} />
        <UserUnits />
      </SimpleForm>
    </Edit>
  );
}
export function UserShow() {
  const rights = useRights('users');
  return (
    <Show actions={rights.write ? <TopToolbar><EditButton /><DeleteWithConfirmButton mutationMode="pessimistic" confirmContent="Tokens acting as this user stop working." /></TopToolbar> : <TopToolbar />}>
      <SimpleShowLayout>
        <TextField source="id" />
        <TextField source="displayName" label="Name" />
        <FunctionField label="Units" render={(u: User) => (u.units === '*' ? 'the whole tenant' : u.units.join(', ') || 'none')} />
        <DateField source="createdAt" showTime />
        <DateField source="updatedAt" showTime />
      </SimpleShowLayout>
    </Show>
  );
}
