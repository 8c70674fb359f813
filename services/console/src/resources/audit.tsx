// Audit: registry changes (who, what, when, before and after) and the host events received.
import { Datagrid, DateField, DateTimeInput, FunctionField, List, SelectInput, Show, SimpleShowLayout, TextField, TextInput, useRecordContext } from 'react-admin';
import { Box, Stack, Typography } from '@mui/material';
import type { AuditEvent, Change } from '../api/types';
import { Json } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';

const ENTITIES = ['tenant', 'unit', 'user', 'account', 'receiver', 'topic', 'push-settings', 'push-type', 'push-flag', 'push-notification', 'delivery', 'template', 'installation', 'integration', 'listener-service', 'listener'].map((e) => ({ id: e, name: e }));

export function ChangeList() {
  return (
    <List pagination={<CursorPagination />}
      title="Changes"
      filters={[
        <SelectInput key="entity" source="entity" choices={ENTITIES} alwaysOn />,
        <TextInput key="entityId" source="entityId" label="Entity id" />,
        <TextInput key="actor" source="actor" label="Actor (operator, account:<id>, user:<id>)" />,
        <DateTimeInput key="from" source="from" label="From" />,
        <DateTimeInput key="to" source="to" label="Until" />,
      ]}
      perPage={25}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <DateField source="at" label="When" showTime sortable={false} />
        <TextField source="by" label="Who" sortable={false} />
        <TextField source="action" sortable={false} />
        <TextField source="entity" sortable={false} />
        <TextField source="entityId" label="Entity id" sortable={false} />
      </Datagrid>
    </List>
  );
}

function BeforeAfter() {
  const c = useRecordContext<Change>();
  if (!c) return null;
  return (
    <Stack direction="row" spacing={2} sx={{ width: '100%' }}>
      <Box sx={{ flex: 1, minWidth: 0 }}>
        <Typography variant="subtitle2" component="h2">Before</Typography>
        <Json value={c.before} label="Before" />
      </Box>
      <Box sx={{ flex: 1, minWidth: 0 }}>
        <Typography variant="subtitle2" component="h2">After</Typography>
        <Json value={c.after} label="After" />
      </Box>
    </Stack>
  );
}

export function ChangeShow() {
  return (
    <Show title="Change">
      <SimpleShowLayout>
        <DateField source="at" label="When" showTime />
        <TextField source="by" label="Who" />
        <TextField source="action" />
        <TextField source="entity" />
        <TextField source="entityId" label="Entity id" />
        <FunctionField label="Detail" render={(c: Change) => (c.detail ? <Json value={c.detail} label="Detail" /> : '—')} />
        <BeforeAfter />
      </SimpleShowLayout>
    </Show>
  );
}

export function EventList() {
  return (
    <List pagination={<CursorPagination />}
      title="Events"
      filters={[
        <TextInput key="topic" source="topic" alwaysOn />,
        <TextInput key="objectType" source="objectType" label="Object type" />,
        <TextInput key="objectId" source="objectId" label="Object id" />,
        <DateTimeInput key="from" source="from" label="From" />,
        <DateTimeInput key="to" source="to" label="Until" />,
      ]}
      perPage={25}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <DateField source="receivedAt" label="Received" showTime sortable={false} />
        <TextField source="topic" sortable={false} />
        <FunctionField label="Object" render={(e: AuditEvent) => `${e.object.type} ${e.object.id}${e.object.unit ? ` (unit ${e.object.unit})` : ''}`} />
        <TextField source="publishedBy" label="Published by" sortable={false} />
      </Datagrid>
    </List>
  );
}

export function EventShow() {
  return (
    <Show title="Event">
      <SimpleShowLayout>
        <TextField source="id" />
        <TextField source="topic" />
        <FunctionField label="Object" render={(e: AuditEvent) => <Json value={e.object} label="Object" />} />
        <FunctionField label="Data" render={(e: AuditEvent) => <Json value={e.data} label="Data" />} />
        <TextField source="publishedBy" label="Published by" />
        <TextField source="idempotencyKey" label="Idempotency key" />
        <DateField source="receivedAt" showTime />
        <DateField source="storedAt" showTime />
      </SimpleShowLayout>
    </Show>
  );
}
