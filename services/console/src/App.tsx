// The console: react-admin over the REST API; each screen is registered only when the
// signed-in principal's grants let it read what the screen shows.
import { Admin, AppBar, CustomRoutes, Layout, Menu, Resource, Title, TitlePortal, useGetList, usePermissions, useRedirect, type LayoutProps } from 'react-admin';
import { Route } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { Box, Card, CardContent, FormControl, InputLabel, MenuItem, Select, Typography } from '@mui/material';
import NotificationsIcon from '@mui/icons-material/NotificationsActive';
import { useState, type ReactElement } from 'react';
import { authProvider } from './authProvider';
import { cursors, dataProvider } from './dataProvider';
import { LoginPage } from './LoginPage';
import { rightsOn, type Permissions } from './permissions';
import { currentSession, currentTenant, switchTenant } from './session';
import { AccountCreate, AccountEdit, AccountList, AccountShow } from './resources/accounts';
import { ChangeList, ChangeShow, EventList, EventShow } from './resources/audit';
import { DeliveryList, DeliveryShow } from './resources/deliveries';
import { TenantCreate, TenantEdit, TenantList, UnitCreate, UnitEdit, UnitList, UserCreate, UserEdit, UserList, UserShow } from './resources/directory';
import { InstallationCreate, InstallationList, InstallationShow, TemplateCreate, TemplateList, TemplateShow } from './resources/installations';
import { IntegrationCreate, IntegrationEdit, IntegrationList, IntegrationLogList, IntegrationLogShow, IntegrationShow } from './resources/integrations';
import { ListenerCreate, ListenerEdit, ListenerList, ListenerLogList, ListenerServiceCreate, ListenerServiceEdit, ListenerServiceList, ListenerShow } from './resources/listeners';
import { PushSettingsPage, PushTypeCreate, PushTypeEdit, PushTypeList, PushTypeShow } from './resources/push';
import { ReceiverCreate, ReceiverEdit, ReceiverList, ReceiverShow } from './resources/receivers';
import { TopicCreate, TopicEdit, TopicList } from './resources/topics';

function TenantSwitcher() {
  const { data = [] } = useGetList('tenants', { pagination: { page: 1, perPage: 200 } });
  const queryClient = useQueryClient();
  const redirect = useRedirect();
  const [tenant, setTenant] = useState(currentTenant() ?? '');
  return (
    <FormControl size="small" sx={{ flex: '0 0 240px', mr: 2, '& .MuiInputBase-root': { color: 'inherit', bgcolor: 'rgba(255,255,255,0.12)' }, '& .MuiInputLabel-root': { color: 'inherit' } }}>
      <InputLabel id="tenant-switcher-label">Tenant</InputLabel>
      <Select
        labelId="tenant-switcher-label"
        label="Tenant"
        value={data.some((t) => t.id === tenant) ? tenant : ''}
        onChange={(e) => {
          switchTenant(e.target.value);
          setTenant(e.target.value);
          cursors.clear();
          // Everything shown belonged to the other tenant.
          queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'tenants' });
          redirect('/');
        }}
      >
        {data.map((t) => (
          <MenuItem key={t.id} value={t.id}>
            {t.name} ({t.id})
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}

function ConsoleAppBar() {
  const { permissions } = usePermissions<Permissions>();
  return (
    <AppBar>
      <TitlePortal />
      {permissions?.kind === 'operator' ? <TenantSwitcher /> : <Typography sx={{ mr: 2 }}>{currentTenant()}</Typography>}
    </AppBar>
  );
}

function ConsoleMenu() {
  const { permissions } = usePermissions<Permissions>();
  const push = rightsOn(permissions, 'push-types').read;
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.ResourceItems />
      {push && <Menu.Item to="/push-settings" primaryText="Push settings" leftIcon={<NotificationsIcon />} />}
    </Menu>
  );
}

function ConsoleLayout(props: LayoutProps) {
  return <Layout {...props} appBar={ConsoleAppBar} menu={ConsoleMenu} />;
}

function Dashboard() {
  const s = currentSession();
  return (
    <Card sx={{ mt: 2 }}>
      <Title title="Dashboard" />
      <CardContent>
        <Typography variant="h5" component="h1" gutterBottom>
          Hookline console
        </Typography>
        <Typography>
          Signed in as {s?.kind === 'operator' ? 'the operator' : `${s?.me.account?.name} (account ${s?.me.account?.id})`}, working in tenant <b>{currentTenant() ?? '(none: create one under Tenants)'}</b>.
        </Typography>
        {s?.expiresAt && <Typography variant="body2">The session ends at {new Date(s.expiresAt).toLocaleTimeString()} (sign in again then).</Typography>}
        <Box component="p">Every screen reads and writes through the same REST API as curl does; what your grants do not allow is not offered.</Box>
      </CardContent>
    </Card>
  );
}

export function App() {
  return (
    <Admin title="Hookline" dataProvider={dataProvider} authProvider={authProvider} loginPage={LoginPage} layout={ConsoleLayout} dashboard={Dashboard} requireAuth disableTelemetry>
      {(permissions: Permissions) => {
        const r = (screen: Parameters<typeof rightsOn>[1]) => rightsOn(permissions, screen);
        const w = (screen: Parameters<typeof rightsOn>[1], el: ReactElement) => (r(screen).write ? el : undefined);
        return [
          r('tenants').read && <Resource key="tenants" name="tenants" list={TenantList} create={TenantCreate} edit={TenantEdit} />,
          r('units').read && <Resource key="units" name="units" list={UnitList} create={w('units', <UnitCreate />)} edit={w('units', <UnitEdit />)} recordRepresentation="name" />,
          r('users').read && <Resource key="users" name="users" list={UserList} show={UserShow} create={w('users', <UserCreate />)} edit={w('users', <UserEdit />)} />,
          r('accounts').read && <Resource key="accounts" name="accounts" options={{ label: 'API accounts' }} list={AccountList} show={AccountShow} create={w('accounts', <AccountCreate />)} edit={w('accounts', <AccountEdit />)} recordRepresentation="name" />,
          r('topics').read && <Resource key="topics" name="topics" list={TopicList} create={w('topics', <TopicCreate />)} edit={w('topics', <TopicEdit />)} />,
          r('receivers').read && <Resource key="receivers" name="receivers" list={ReceiverList} show={ReceiverShow} create={w('receivers', <ReceiverCreate />)} edit={w('receivers', <ReceiverEdit />)} recordRepresentation="name" />,
          r('deliveries').read && <Resource key="deliveries" name="deliveries" options={{ label: 'Delivery log' }} list={DeliveryList} show={DeliveryShow} />,
          r('push-types').read && <Resource key="push-types" name="push-types" options={{ label: 'Push types' }} list={PushTypeList} show={PushTypeShow} create={w('push-types', <PushTypeCreate />)} edit={w('push-types', <PushTypeEdit />)} />,
          r('integrations').read && <Resource key="integrations" name="integrations" list={IntegrationList} show={IntegrationShow} create={w('integrations', <IntegrationCreate />)} edit={w('integrations', <IntegrationEdit />)} recordRepresentation="name" />,
          r('integration-log').read && <Resource key="integration-log" name="integration-log" options={{ label: 'Integration log' }} list={IntegrationLogList} show={IntegrationLogShow} />,
          r('templates').read && <Resource key="templates" name="templates" options={{ label: 'App catalogue' }} list={TemplateList} show={TemplateShow} create={w('templates', <TemplateCreate />)} recordRepresentation="name" />,
          r('installations').read && <Resource key="installations" name="installations" list={InstallationList} show={InstallationShow} create={w('installations', <InstallationCreate />)} />,
          r('listener-services').read && <Resource key="listener-services" name="listener-services" options={{ label: 'Listener services' }} list={ListenerServiceList} create={w('listener-services', <ListenerServiceCreate />)} edit={w('listener-services', <ListenerServiceEdit />)} recordRepresentation="name" />,
          r('listeners').read && <Resource key="listeners" name="listeners" list={ListenerList} show={ListenerShow} create={w('listeners', <ListenerCreate />)} edit={w('listeners', <ListenerEdit />)} recordRepresentation="name" />,
          r('listener-logs').read && <Resource key="listener-logs" name="listener-logs" options={{ label: 'Listener logs' }} list={ListenerLogList} />,
          r('audit-changes').read && <Resource key="audit-changes" name="audit-changes" options={{ label: 'Audit: changes' }} list={ChangeList} show={ChangeShow} />,
          r('audit-events').read && <Resource key="audit-events" name="audit-events" options={{ label: 'Audit: events' }} list={EventList} show={EventShow} />,
          <CustomRoutes key="custom">
            <Route path="/push-settings" element={<PushSettingsPage />} />
          </CustomRoutes>,
        ].filter(Boolean);
      }}
    </Admin>
  );
}
