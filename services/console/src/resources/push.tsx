// Push notifications: the global settings (the JWT only as set / not set), the types, and
// their flags globally and per unit with the effective value and where it comes from.
import { useEffect, useState } from 'react';
import {
  Create, CreateButton, Datagrid, DeleteWithConfirmButton, Edit, EditButton, FunctionField, List, Show, SimpleForm, TextField,
  TextInput, Title, TopToolbar, maxLength, maxValue, minValue, regex, required, useNotify, useRecordContext, useRefresh, NumberInput, SaveButton, Toolbar, Form,
} from 'react-admin';
import { Alert, Box, Button, Card, CardContent, Chip, FormControl, InputLabel, MenuItem, Select, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField as MuiTextField, Typography } from '@mui/material';
import type { FieldValues } from 'react-hook-form';
import { api, type Body } from '../api/client';
import type { EffectiveFlag, FlagSource, PushSettings, PushType } from '../api/types';
import { ConfirmAction, Json, Section, parseJsonObject, useCan, validateJsonObject } from '../components/common';
import { CursorPagination } from '../components/CursorPagination';
import { UnitInput, useUnits } from '../components/pickers';

export function sourceText(s: FlagSource | undefined): string {
  if (!s) return '';
  if (s.kind === 'global') return 'the global flag';
  if (s.kind === 'default') return 'nothing set (off)';
  return s.inherited ? `inherited from unit ${s.unit}` : `unit ${s.unit}'s own flag`;
}

// As the API: an integer 0–3650, and given (empty is not "no change": it would read as 0).
const wholeDays = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? 'a whole number of days' : undefined);
const daysValidation = [required(), minValue(0), maxValue(3650), wholeDays];

export function PushSettingsPage() {
  const write = useCan('push:write', { wholeTenant: true });
  const notify = useNotify();
  const [settings, setSettings] = useState<PushSettings>();
  const [error, setError] = useState<string>();
  const load = () => api('GET', '/v1/push/settings').then(setSettings, (e: Error) => setError(e.message));
  useEffect(() => void load(), []);
  async function save(values: FieldValues) {
    const body: Body<'PUT', '/v1/push/settings'> = {};
    if ((values.notification_server_url ?? '') !== (settings?.notification_server_url ?? '')) body.notification_server_url = values.notification_server_url || null;
    if (values.notification_jwt) body.notification_jwt = values.notification_jwt;
    if (values.removeJwt) body.notification_jwt = '';
    // An emptied field is null, and Number(null) is 0: a 0 sent would delete every waiting notification at once.
    const days = values.notification_days_before as number | null | undefined;
    if (typeof days === 'number' && days !== settings?.notification_days_before) body.notification_days_before = days;
    if (Object.keys(body).length === 0) return undefined;
    try {
      setSettings(await api('PUT', '/v1/push/settings', { body }));
      notify('Push settings saved', { type: 'success' });
      return undefined;
    } catch (err) {
      // Field errors go back to the form (react-admin shows them at each field).
      return (err as { body?: { errors?: Record<string, unknown> } }).body?.errors ?? { root: { serverError: (err as Error).message } };
    }
  }
  return (
    <Card sx={{ mt: 2 }}>
      <Title title="Push settings" />
      <CardContent>
        <Typography variant="h6" component="h1">Notification server</Typography>
        {error && <Alert severity="error">{error}</Alert>}
        {settings && (
          <Form defaultValues={{ notification_server_url: settings.notification_server_url ?? '', notification_days_before: settings.notification_days_before, notification_jwt: '' }} onSubmit={save} key={settings.updatedAt ?? 'new'}>
            <Stack spacing={1} sx={{ maxWidth: 640 }}>
              <TextInput source="notification_server_url" label="Server URL" helperText="Where notifications are POSTed; empty stops sending" disabled={!write} />
              <Box>
                <Typography variant="body2" component="span">JWT: </Typography>
                <Chip size="small" label={settings.notification_jwt_set ? 'set' : 'not set'} color={settings.notification_jwt_set ? 'success' : 'default'} data-testid="jwt-state" />
              </Box>
              {write && <TextInput source="notification_jwt" label={settings.notification_jwt_set ? 'Replace the JWT' : 'JWT'} type="password" helperText="Write-only: sent verbatim as Authorization, never shown again" />}
              <NumberInput source="notification_days_before" label="Days an undelivered notification is retried" min={0} max={3650} step={1} validate={daysValidation} disabled={!write} />
              {write && (
                <Toolbar sx={{ px: 0 }}>
                  <SaveButton alwaysEnable />
                  {settings.notification_jwt_set && (
                    <ConfirmAction
                      label="Remove the JWT"
                      color="error"
                      title="Remove the JWT?"
                      content="Notifications are then sent without Authorization."
                      onConfirm={async () => setSettings(await api('PUT', '/v1/push/settings', { body: { notification_jwt: '' } }))}
                    />
                  )}
                </Toolbar>
              )}
            </Stack>
          </Form>
        )}
      </CardContent>
    </Card>
  );
}

const typeName = regex(/^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/, 'dot-separated words, e.g. appointment.booked');

export function PushTypeList() {
  const write = useCan('push:write', { wholeTenant: true });
  return (
    <List pagination={<CursorPagination />}
      title="Push notification types"
      filters={[<UnitInput key="unit" source="unit" label="Effective flag at unit" alwaysOn />]}
      actions={<TopToolbar>{write && <CreateButton />}</TopToolbar>}
      perPage={50}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="type" sortable={false} />
        <TextField source="topic" sortable={false} />
        <TextField source="description" emptyText="—" sortable={false} />
        <FunctionField label="Enabled" render={(t: PushType) => <Chip size="small" label={t.enabled ? 'on' : 'off'} color={t.enabled ? 'success' : 'default'} />} />
        <FunctionField label="Because of" render={(t: PushType) => sourceText(t.source)} />
      </Datagrid>
    </List>
  );
}

const typeTransform = (d: { type?: string; topic?: string; description?: string; example?: string }) => ({
  ...(d.type !== undefined ? { type: d.type } : {}),
  topic: d.topic,
  description: d.description || undefined,
  example: parseJsonObject(d.example),
});

export function PushTypeCreate() {
  return (
    <Create redirect="show" transform={typeTransform}>
      <SimpleForm>
        <TextInput source="type" validate={[required(), typeName]} />
        <TextInput source="topic" validate={[required(), typeName]} helperText="The host event topic that triggers it" />
        <TextInput source="description" validate={maxLength(2000)} fullWidth />
        <TextInput source="example" label="Example data (JSON object)" multiline minRows={3} fullWidth validate={validateJsonObject} />
      </SimpleForm>
    </Create>
  );
}

export function PushTypeEdit() {
  return (
    <Edit
      mutationMode="pessimistic"
      // An emptied field clears the value (null), as for the description: left out, the API would keep the old example.
      transform={(d: { topic?: string; description?: string; example?: string }) => ({ topic: d.topic, description: d.description || null, example: parseJsonObject(d.example) ?? null })}
      queryOptions={{ select: (t: PushType) => ({ ...t, example: t.example ? JSON.stringify(t.example, null, 2) : '' }) as never }}
    >
      <SimpleForm>
        <TextInput source="type" disabled />
        <TextInput source="topic" validate={[required(), typeName]} />
        <TextInput source="description" validate={maxLength(2000)} fullWidth />
        <TextInput source="example" label="Example data (JSON object)" multiline minRows={3} fullWidth validate={validateJsonObject} />
      </SimpleForm>
    </Edit>
  );
}

type Tri = 'on' | 'off' | 'unset';

function Flags() {
  const t = useRecordContext<PushType>();
  const refresh = useRefresh();
  const notify = useNotify();
  const writeGlobal = useCan('push:write', { wholeTenant: true });
  const writeSome = useCan('push:write');
  const units = useUnits();
  const canListUnits = useCan('units:read');
  const [unit, setUnit] = useState('');
  const [value, setValue] = useState<Tri>('on');
  const [effective, setEffective] = useState<EffectiveFlag>();
  const [error, setError] = useState<string>();
  if (!t) return null;
  const path = '/v1/push/types/{type}/enabled' as const;
  const type = t.type;
  async function check(u: string) {
    setError(undefined);
    try {
      setEffective(await api('GET', path, { params: { path: { type }, query: { unit: u || undefined } } }));
    } catch (err) {
      setError((err as Error).message);
    }
  }
  async function setFlag(u: string, v: Tri) {
    setError(undefined);
    try {
      const answer = v === 'unset' ? await api('DELETE', path, { params: { path: { type }, query: { unit: u || undefined } } }) : await api('PUT', path, { params: { path: { type } }, body: { enabled: v === 'on', ...(u ? { unit: u } : {}) } });
      setEffective(answer);
      notify(`Flag ${v === 'unset' ? 'removed' : 'set'} ${u ? `for unit ${u}` : 'globally'}`, { type: 'success' });
      refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  const g = t.flags?.global;
  return (
    <Stack spacing={2}>
      <Section title="Global flag">
        <Stack direction="row" spacing={2} alignItems="center">
          <Typography>Globally: {g === null || g === undefined ? 'not set (off unless a unit turns it on)' : g ? 'on' : 'off'}</Typography>
          {writeGlobal && (
            <>
              <Button size="small" onClick={() => void setFlag('', 'on')} disabled={g === true}>Turn on</Button>
              <Button size="small" onClick={() => void setFlag('', 'off')} disabled={g === false}>Turn off</Button>
              {g !== null && g !== undefined && (
                <ConfirmAction label="Remove" title="Remove the global flag?" content="Without it the type is off wherever no unit sets it." onConfirm={() => setFlag('', 'unset')} />
              )}
            </>
          )}
        </Stack>
      </Section>
      <Section title="Unit flags">
        <Table size="small" aria-label="Unit flags">
          <TableHead>
            <TableRow>
              <TableCell>Unit</TableCell>
              <TableCell>Own flag</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {(t.flags?.units ?? []).map((f) => (
              <TableRow key={f.unit}>
                <TableCell>{f.unit}</TableCell>
                <TableCell>{f.enabled ? 'on' : 'off'}</TableCell>
                <TableCell>{writeSome && <ConfirmAction label="Remove" title={`Remove the flag of unit ${f.unit}?`} content="The unit inherits again." onConfirm={() => setFlag(f.unit, 'unset')} />}</TableCell>
              </TableRow>
            ))}
            {(t.flags?.units ?? []).length === 0 && (
              <TableRow>
                <TableCell colSpan={3}>No unit sets its own flag.</TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </Section>
      <Section title="Set or check a unit">
        <Stack direction="row" spacing={2} alignItems="center">
          {!canListUnits ? (
            <MuiTextField size="small" label="Unit (id)" value={unit} onChange={(e) => setUnit(e.target.value)} />
          ) : (
          <FormControl size="small" sx={{ minWidth: 240 }}>
            <InputLabel id="flag-unit-label">Unit</InputLabel>
            <Select labelId="flag-unit-label" label="Unit" value={unit} onChange={(e) => setUnit(e.target.value)}>
              <MenuItem value="">(objects outside any unit)</MenuItem>
              {units.map((u) => (
                <MenuItem key={u.id} value={u.id}>
                  {u.path.join(' › ')}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          )}
          <Button size="small" variant="outlined" onClick={() => void check(unit)}>
            Show effective value
          </Button>
          {writeSome && unit && (
            <>
              <FormControl size="small" sx={{ minWidth: 120 }}>
                <InputLabel id="flag-value-label">Flag</InputLabel>
                <Select labelId="flag-value-label" label="Flag" value={value} onChange={(e) => setValue(e.target.value as Tri)}>
                  <MenuItem value="on">on</MenuItem>
                  <MenuItem value="off">off</MenuItem>
                </Select>
              </FormControl>
              <Button size="small" variant="contained" onClick={() => void setFlag(unit, value)}>
                Set the unit's flag
              </Button>
            </>
          )}
        </Stack>
        {effective && (
          <Alert severity="info" sx={{ mt: 1 }} role="status" data-testid="effective-flag">
            {effective.unit ? `At unit ${effective.unit}` : 'Outside any unit'}: {effective.enabled ? 'on' : 'off'}, from {sourceText(effective.source)}
          </Alert>
        )}
        {error && <Alert severity="error" sx={{ mt: 1 }}>{error}</Alert>}
      </Section>
      <Section title="What the server receives">
        <Json value={t.bodyExample} label="Body example" />
      </Section>
    </Stack>
  );
}

export function PushTypeShow() {
  const write = useCan('push:write', { wholeTenant: true });
  return (
    <Show actions={write ? <TopToolbar><EditButton /><DeleteWithConfirmButton mutationMode="pessimistic" confirmContent="Its flags go with it; waiting notifications are cancelled." /></TopToolbar> : <TopToolbar />}>
      <Box sx={{ p: 2 }}>
        <TypeHeader />
        <Flags />
      </Box>
    </Show>
  );
}

function TypeHeader() {
  const t = useRecordContext<PushType>();
  if (!t) return null;
  return (
    <Typography variant="h6" component="h1">
      {t.type} <Typography component="span" color="text.secondary">on topic {t.topic}</Typography>
    </Typography>
  );
}

