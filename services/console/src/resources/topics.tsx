// The tenant's topic catalogue.
import { Create, CreateButton, Datagrid, DateField, DeleteWithConfirmButton, Edit, FunctionField, List, SimpleForm, TextField, TextInput, TopToolbar, maxLength, regex, required } from 'react-admin';
import type { Topic } from '../api/types';
import { parseJsonObject, useRights, validateJsonObject } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';

const topicName = regex(/^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/, 'dot-separated words of letters, digits, _ and - (e.g. Accounts.Update)');

export function TopicList() {
  const rights = useRights('topics');
  return (
    <List pagination={<CursorPagination />} actions={<TopToolbar>{rights.write && <CreateButton />}</TopToolbar>} perPage={50}>
      <Datagrid rowClick={rights.write ? 'edit' : false} bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="description" emptyText="—" sortable={false} />
        <FunctionField label="Example data" render={(t: Topic) => (t.example ? JSON.stringify(t.example) : '—')} />
        <DateField source="createdAt" showTime sortable={false} />
        {rights.write && <DeleteWithConfirmButton mutationMode="pessimistic" confirmContent="Receivers that name it keep it; new receivers cannot subscribe to it." />}
      </Datagrid>
    </List>
  );
}

const transform = (d: { name?: string; description?: string; example?: string }) => ({
  ...(d.name !== undefined ? { name: d.name } : {}),
  description: d.description || undefined,
  example: parseJsonObject(d.example),
});

export function TopicCreate() {
  return (
    <Create redirect="list" transform={transform}>
      <SimpleForm>
        <TextInput source="name" validate={[required(), topicName]} />
        <TextInput source="description" validate={maxLength(2000)} fullWidth />
        <TextInput source="example" label="Example data (JSON object)" multiline minRows={3} fullWidth validate={validateJsonObject} />
      </SimpleForm>
    </Create>
  );
}

export function TopicEdit() {
  return (
    <Edit
      mutationMode="pessimistic"
      transform={(d: { description?: string; example?: string }) => ({ description: d.description || null, example: parseJsonObject(d.example) })}
      queryOptions={{ select: (t: Topic) => ({ ...t, example: t.example ? JSON.stringify(t.example, null, 2) : '' }) as never }}
    >
      <SimpleForm>
        <TextInput source="name" disabled />
        <TextInput source="description" validate={maxLength(2000)} fullWidth />
        <TextInput source="example" label="Example data (JSON object)" multiline minRows={3} fullWidth validate={validateJsonObject} />
      </SimpleForm>
    </Edit>
  );
}
