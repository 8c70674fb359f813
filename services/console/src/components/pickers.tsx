// Inputs that pick another resource (a unit, an account, a receiver) from its list when the
// signed-in principal may read that list, and a plain text field when it may not: a grant
// to write receivers need not come with one to read accounts, and the screen must not call
// what it is not allowed to (a 403 and a console error).
import { AutocompleteArrayInput, AutocompleteInput, ReferenceArrayInput, ReferenceField, ReferenceInput, TextArrayInput, TextField, TextInput, useGetList, type Validator } from 'react-admin';
import type { Unit } from '../api/types';
import { useCan } from './common';

const unitPath = (u: Unit) => (u.path ?? [u.id]).join(' › ');

interface PickerProps {
  source: string;
  label: string;
  helperText?: string;
  validate?: Validator | Validator[];
  alwaysOn?: boolean;
  sx?: Record<string, unknown>;
}

export function UnitInput({ source, label, helperText, validate, sx }: PickerProps) {
  if (!useCan('units:read')) return <TextInput source={source} label={`${label} (id)`} helperText={helperText} validate={validate} sx={sx} />;
  return (
    <ReferenceInput source={source} reference="units">
      <AutocompleteInput label={label} optionText={unitPath} helperText={helperText} validate={validate} sx={sx ?? { minWidth: 240 }} />
    </ReferenceInput>
  );
}

export function UnitArrayInput({ source, label, helperText, sx }: PickerProps) {
  if (!useCan('units:read')) return <TextArrayInput source={source} label={`${label} (ids)`} helperText={helperText ?? 'unit ids (Enter after each)'} sx={sx ?? { minWidth: 320 }} />;
  return (
    <ReferenceArrayInput source={source} reference="units" perPage={100}>
      <AutocompleteArrayInput label={label} optionText={unitPath} helperText={helperText} sx={sx ?? { minWidth: 320 }} />
    </ReferenceArrayInput>
  );
}

export function AccountInput({ source, label, helperText, validate }: PickerProps) {
  if (!useCan('accounts:read')) return <TextInput source={source} label={`${label} (account id)`} helperText={helperText} validate={validate} />;
  return (
    <ReferenceInput source={source} reference="accounts">
      <AutocompleteInput label={label} optionText="name" helperText={helperText} validate={validate} sx={{ minWidth: 240 }} />
    </ReferenceInput>
  );
}

export function ReceiverInput({ source, label }: PickerProps) {
  if (!useCan('receivers:read', { wholeTenant: true })) return <TextInput source={source} label={`${label} (receiver id or push type)`} />;
  return (
    <ReferenceInput source={source} reference="receivers">
      <AutocompleteInput label={label} optionText="name" sx={{ minWidth: 220 }} />
    </ReferenceInput>
  );
}

export function AccountField({ source, label }: { source: string; label?: string }) {
  if (!useCan('accounts:read')) return <TextField source={source} label={label} />;
  return (
    <ReferenceField source={source} reference="accounts" label={label} link="show">
      <TextField source="name" />
    </ReferenceField>
  );
}

/** Every unit the principal may read (for selects), or none without units:read. */
export function useUnits(): Unit[] {
  const enabled = useCan('units:read');
  const { data = [] } = useGetList<Unit>('units', { pagination: { page: 1, perPage: 500 } }, { enabled });
  return enabled ? data : [];
}

export { unitPath };
