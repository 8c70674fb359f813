// Sign-in: the operator token, or an API account's id, API token and current TOTP code.
import { useState, type FormEvent } from 'react';
import { useLogin, useNotify } from 'react-admin';
import { Alert, Box, Button, Card, CardContent, Stack, Tab, Tabs, TextField, Typography } from '@mui/material';
import type { LoginParams } from './authProvider';

export function LoginPage() {
  const login = useLogin();
  const notify = useNotify();
  const [mode, setMode] = useState<'account' | 'operator'>('account');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [f, setF] = useState({ operatorToken: '', account: '', token: '', totp: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const params: LoginParams = mode === 'operator' ? { mode, operatorToken: f.operatorToken } : { mode, account: f.account, token: f.token, totp: f.totp };
    try {
      await login(params);
    } catch (err) {
      const message = (err as Error).message || 'Sign-in failed';
      setError(message);
      notify(message, { type: 'error' });
    } finally {
      setBusy(false);
      // Never keep the long-lived credentials in the page once they were used.
      setF({ operatorToken: '', account: f.account, token: '', totp: '' });
    }
  }

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'grey.100' }}>
      <Card sx={{ width: 440 }}>
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            Hookline console
          </Typography>
          <Tabs value={mode} onChange={(_, v: 'account' | 'operator') => setMode(v)} aria-label="How to sign in">
            <Tab value="account" label="API account" id="tab-account" aria-controls="signin-form" />
            <Tab value="operator" label="Operator token" id="tab-operator" aria-controls="signin-form" />
          </Tabs>
          <form id="signin-form" onSubmit={submit}>
            <Stack spacing={2} sx={{ mt: 2 }}>
              {mode === 'operator' ? (
                <TextField label="Operator token" type="password" autoComplete="off" required value={f.operatorToken} onChange={set('operatorToken')} autoFocus />
              ) : (
                <>
                  <TextField label="Account id" required value={f.account} onChange={set('account')} autoFocus helperText="The account's UUID" />
                  <TextField label="API token" type="password" autoComplete="off" required value={f.token} onChange={set('token')} helperText="hlk_…, shown when the account was created" />
                  <TextField label="TOTP code" required value={f.totp} onChange={set('totp')} inputProps={{ inputMode: 'numeric', pattern: '[0-9]{6}', maxLength: 6 }} helperText="6 digits from the authenticator app" />
                </>
              )}
              {error && <Alert severity="error" role="alert">{error}</Alert>}
              <Button type="submit" variant="contained" disabled={busy}>
                Sign in
              </Button>
              <Typography variant="body2" color="text.secondary">
                {mode === 'operator'
                  ? 'The operator token is kept in this page only: a reload asks for it again.'
                  : 'Only the short-lived access token is kept (until it expires or this tab closes).'}
              </Typography>
            </Stack>
          </form>
        </CardContent>
      </Card>
    </Box>
  );
}
