// The one mailbox an e-mail delivery goes to. nodemailer reads `to` as an address list: it
// splits at ',' and ';', takes "Name <a@b>" and comments, and folds a line break inside
// quotes into a space, so a stored address (or a percent-decoded mailto: URL) could reach
// several mailboxes, or another one than the log names. Only an address nodemailer reads
// back as exactly itself, alone, is sent to.
import addressparser from 'nodemailer/lib/addressparser';

/** The address when nodemailer would send to it and to nothing else; otherwise why not. */
export function singleRecipient(address: string): { ok: true; address: string } | { ok: false; reason: string } {
  const parsed = addressparser(address, { flatten: true });
  if (parsed.length === 1 && parsed[0].address === address && parsed[0].name === '') return { ok: true, address };
  return { ok: false, reason: `${JSON.stringify(address)} is not one e-mail address: nothing was sent` };
}
