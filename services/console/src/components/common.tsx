// Small pieces every screen uses: rights from the session's grants, a confirmed action,
// what is shown once (secrets, credentials), JSON, and an error box.
import { useState, type ReactNode } from 'react';
import { Button, Confirm, useNotify, usePermissions, useRefresh } from 'react-admin';
import { Alert, Box, Dialog, DialogActions, DialogContent, DialogTitle, IconButton, Stack, TextField, Tooltip, Typography } from '@mui/material';
import ContentCopy from '@mui/icons-material/ContentCopy';
import { rightsOn, can, type Action, type Need, type Permissions, type SCREENS } from '../permissions';

export function useRights(screen: keyof typeof SCREENS) {
  const { permissions } = usePermissions<Permissions>();
  return rightsOn(permissions, screen);
}

export function useCan(action: Action, need: Need = {}): boolean {
  const { permissions } = usePermissions<Permissions>();
  return can(permissions, action, need);
}

/** A button whose action runs only after the user confirms it (every destructive action). */
export function ConfirmAction(props: {
  label: string;
  title: string;
  content: ReactNode;
  onConfirm: () => Promise<unknown>;
  icon?: ReactNode;
  color?: 'primary' | 'error' | 'inherit';
  done?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const notify = useNotify();
  const refresh = useRefresh();
  return (
    <>
      <Button label={props.label} onClick={() => setOpen(true)} color={props.color ?? 'primary'}>
        <>{props.icon}</>
      </Button>
      <Confirm
        isOpen={open}
        loading={busy}
        title={props.title}
        content={props.content}
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          setBusy(true);
          try {
            await props.onConfirm();
            if (props.done) notify(props.done, { type: 'success' });
            refresh();
          } catch (err) {
            notify((err as Error).message, { type: 'error' });
          } finally {
            setBusy(false);
            setOpen(false);
          }
        }}
      />
    </>
  );
}

/** A value with a copy button (secrets are shown in a read-only field, selectable). */
export function CopyField({ label, value }: { label: string; value: string }) {
  return (
    <Stack direction="row" alignItems="center" spacing={1}>
      <TextField label={label} value={value} fullWidth size="small" slotProps={{ input: { readOnly: true } }} inputProps={{ 'data-secret': label }} />
      <Tooltip title={`Copy ${label}`}>
        <IconButton aria-label={`Copy ${label}`} onClick={() => void navigator.clipboard?.writeText(value)}>
          <ContentCopy fontSize="small" />
        </IconButton>
      </Tooltip>
    </Stack>
  );
}

/** Shown once: what the API will never answer again (a secret, credentials, a token). */
export function ShownOnce({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="shown-once-title" maxWidth="sm" fullWidth>
      <DialogTitle id="shown-once-title">{title}</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }}>
          Copy it now: it is shown this once and cannot be read again.
        </Alert>
        <Stack spacing={2}>{children}</Stack>
      </DialogContent>
      <DialogActions>
        <Button label="I have stored it" onClick={onClose} variant="contained" />
      </DialogActions>
    </Dialog>
  );
}

export function Json({ value, label }: { value: unknown; label?: string }) {
  const text = typeof value === 'string' ? prettyIfJson(value) : JSON.stringify(value, null, 2);
  return (
    <Box component="pre" aria-label={label} tabIndex={0} sx={{ m: 0, p: 1, bgcolor: 'grey.100', borderRadius: 1, overflow: 'auto', maxHeight: 360, fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
      {text ?? '—'}
    </Box>
  );
}

function prettyIfJson(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <Box component="section" sx={{ mt: 3 }} aria-label={title}>
      <Stack direction="row" alignItems="center" justifyContent="space-between">
        <Typography variant="h6" component="h2">
          {title}
        </Typography>
        <Box>{actions}</Box>
      </Stack>
      <Box sx={{ mt: 1 }}>{children}</Box>
    </Box>
  );
}

/** JSON typed in a text field: parsed on submit, a field error when it is not an object. */
export function parseJsonObject(text: unknown): Record<string, unknown> | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text === 'object') return text as Record<string, unknown>;
  return JSON.parse(String(text)) as Record<string, unknown>;
}

export const validateJsonObject = (value: unknown) => {
  if (value === undefined || value === null || value === '' || typeof value === 'object') return undefined;
  try {
    const v = JSON.parse(String(value)) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be a JSON object';
  } catch (err) {
    return `not valid JSON: ${(err as Error).message}`;
  }
};
