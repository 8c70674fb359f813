// The grants editor: actions, units from the tree (or the whole tenant), topic patterns
// (or all). The form keeps `units` / `topics` as lists next to an "all" switch; the API's
// shape (`"*"` or a list) is made on submit, and its field errors (`grants.0.units`) land
// on the same names.
import { ArrayInput, BooleanInput, CheckboxGroupInput, FormDataConsumer, SimpleFormIterator, TextArrayInput } from 'react-admin';
import { Chip, Stack } from '@mui/material';
import { UnitArrayInput } from '../components/pickers';
import { ACTIONS, type Grant } from '../permissions';

export interface GrantForm {
  actions: string[];
  allUnits: boolean;
  units: string[];
  allTopics: boolean;
  topics: string[];
}

export function grantsToForm(grants: Grant[] | undefined): GrantForm[] {
  return (grants ?? []).map((g) => ({
    actions: g.actions,
    allUnits: g.units === '*',
    units: g.units === '*' ? [] : g.units,
    allTopics: !g.topics || g.topics === '*',
    topics: !g.topics || g.topics === '*' ? [] : g.topics,
  }));
}

export function grantsFromForm(grants: GrantForm[] | undefined): Grant[] {
  return (grants ?? []).map((g) => ({
    actions: g.actions ?? [],
    units: g.allUnits ? '*' : (g.units ?? []),
    topics: g.allTopics ? '*' : (g.topics ?? []),
  }));
}

const ACTION_CHOICES = ACTIONS.map((a) => ({ id: a, name: a }));

export function GrantsInput() {
  return (
    <ArrayInput source="grants" label="Grants" helperText="Each grant: what it may do, on which units, for which topics">
      <SimpleFormIterator inline={false} disableReordering fullWidth>
        <CheckboxGroupInput source="actions" label="Actions" choices={ACTION_CHOICES} row sx={{ '& .MuiFormGroup-root': { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(210px, 1fr))' } }} />
        <Stack direction="row" spacing={2} alignItems="flex-start" sx={{ width: '100%' }}>
          <BooleanInput source="allUnits" label="On the whole tenant" defaultValue={true} />
          <FormDataConsumer>
            {({ scopedFormData }) => (scopedFormData?.allUnits ? null : <UnitArrayInput source="units" label="Units" />)}
          </FormDataConsumer>
        </Stack>
        <Stack direction="row" spacing={2} alignItems="flex-start" sx={{ width: '100%' }}>
          <BooleanInput source="allTopics" label="All topics" defaultValue={true} />
          <FormDataConsumer>
            {({ scopedFormData }) =>
              scopedFormData?.allTopics ? null : <TextArrayInput source="topics" label="Topic patterns" helperText="e.g. Accounts.* or Visits.> (Enter after each)" sx={{ minWidth: 320 }} />
            }
          </FormDataConsumer>
        </Stack>
      </SimpleFormIterator>
    </ArrayInput>
  );
}

export function GrantsSummary({ grants }: { grants?: Grant[] }) {
  if (!grants?.length) return <span>no grants</span>;
  return (
    <Stack spacing={0.5}>
      {grants.map((g, i) => (
        <span key={i}>
          {g.actions.map((a) => (
            <Chip key={a} label={a} size="small" sx={{ mr: 0.5, mb: 0.5 }} />
          ))}
          on {g.units === '*' ? 'the whole tenant' : g.units.join(', ')}
          {g.topics && g.topics !== '*' ? `, topics ${g.topics.join(', ')}` : ''}
        </span>
      ))}
    </Stack>
  );
}
