// App installations (installation-hookup.txt): the target is an installation. Its
// notifications (installed, a department enabled or disabled, a rotated client secret)
// go to the hookup URL or the e-mail address the installation was made with, carrying the
// client credentials; the signer writes the client secret in at attempt time, so the
// stored payload, the streams and the log never hold it. An uninstalled installation's
// waiting notifications are cancelled.
import { clientSecretCredentialId, templateCredentialId, type InstallationView, type RegistryChange } from '@hookline/contracts';
import { hookupEmailProfile, hookupProfile } from '../delivery-plan';
import { mailtoUrl } from '../email-message';
import type { DeliveryKindProfile, Resolution } from '../kind-profile';
import type { TargetDirectory } from './target-directory';

function installation(view: TargetDirectory, tenantId: string, id: string): InstallationView | { cancel: string } {
  const i = view.entity<InstallationView>(tenantId, 'installation', id);
  if (!i) return { cancel: 'the installation no longer exists' };
  if (i.status !== 'active') return { cancel: 'the app was uninstalled' };
  return i;
}

const secretOf = (i: InstallationView) => (i.oauth.clientType === 'confidential' ? clientSecretCredentialId(i.id) : undefined);

const endsInstallation = (c: RegistryChange) => (c.entity === 'installation' && c.action === 'deleted' ? { target: c.entityId, reason: 'the app was uninstalled' } : undefined);

export const hookupKind: DeliveryKindProfile<TargetDirectory> = {
  kind: 'hookup',
  targetNoun: 'installation',
  resolve({ view, retry }, order): Resolution {
    const i = installation(view, order.tenantId, order.target);
    if ('cancel' in i) return i;
    if (i.channel.kind !== 'hookup-url') return { cancel: 'the installation is notified by e-mail, not at a hookup URL' };
    const secret = secretOf(i);
    const profile = hookupProfile({ signingCredentialId: templateCredentialId(i.templateId), signingTenantId: i.templateOwner, ...(secret ? { clientSecretCredentialId: secret } : {}) }, retry);
    return { plan: { ...profile, url: i.channel.url } };
  },
  endsTarget: endsInstallation,
  resend: { action: 'installations:write', topicScoped: false },
};

export const hookupEmailKind: DeliveryKindProfile<TargetDirectory> = {
  kind: 'hookup-email',
  targetNoun: 'installation',
  resolve({ view, retry }, order): Resolution {
    const i = installation(view, order.tenantId, order.target);
    if ('cancel' in i) return i;
    if (i.channel.kind !== 'email') return { cancel: 'the installation is notified at a hookup URL, not by e-mail' };
    const secret = secretOf(i);
    const profile = hookupEmailProfile(secret ? { clientSecretCredentialId: secret } : {}, retry);
    return { plan: { ...profile, url: mailtoUrl(i.channel.address) } };
  },
  endsTarget: endsInstallation,
  resend: { action: 'installations:write', topicScoped: false },
};
