// A URL the registry stores and shows (a receiver's, a token URL, the notification server's)
// must not carry a user name or password: it is no secret, and every answer, the change log
// and the delivery log show it to all who read them.

/** Whether `raw` names a user or a password (`https://user:pass@host/`); text that is no URL does not (the URL checks say so). */
export function urlCarriesCredentials(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.username !== '' || url.password !== '';
}
