/**
 * The organizer page's "Verified identities" fields (docs/identity.md): shown
 * from an event's `settings.identity`, turned back into a settings patch. The
 * secret is write-only: the API says only that one is set, and an empty field
 * keeps it.
 */

export interface IdentityView {
  required: boolean;
  hs256Secret?: string;
  publicKeys?: { keys: unknown[] };
  issuer?: string;
  maxAgeSec?: number;
  loginUrl?: string;
}

function input(form: HTMLFormElement, name: string): HTMLInputElement | HTMLTextAreaElement {
  return form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement;
}

export function fillIdentity(form: HTMLFormElement, identity: IdentityView | null): void {
  (input(form, 'identity.required') as HTMLInputElement).checked = identity?.required ?? false;
  const secret = input(form, 'identity.hs256Secret');
  secret.value = '';
  secret.placeholder = identity?.hs256Secret === undefined ? 'none (at least 32 bytes)' : 'set: leave empty to keep';
  input(form, 'identity.publicKeys').value = identity?.publicKeys === undefined ? '' : JSON.stringify(identity.publicKeys, null, 1);
  input(form, 'identity.issuer').value = identity?.issuer ?? '';
  input(form, 'identity.maxAgeSec').value = identity?.maxAgeSec?.toString() ?? '';
  input(form, 'identity.loginUrl').value = identity?.loginUrl ?? '';
}

/**
 * The `identity` part of a settings patch, or undefined when the event has
 * none and the fields are empty. Public keys are JSON (a JWKS or a list) or a
 * file path on the server; an empty optional field removes the setting.
 */
export function identityPatch(form: HTMLFormElement, current: IdentityView | null): Record<string, unknown> | undefined {
  const text = (name: string) => input(form, name).value.trim();
  const required = (input(form, 'identity.required') as HTMLInputElement).checked;
  const keys = text('identity.publicKeys');
  const fields = ['identity.hs256Secret', 'identity.issuer', 'identity.maxAgeSec', 'identity.loginUrl'].map(text);
  if (current === null && !required && keys === '' && fields.every((value) => value === '')) return undefined;
  const patch: Record<string, unknown> = { required };
  if (text('identity.hs256Secret') !== '') patch.hs256Secret = text('identity.hs256Secret');
  if (keys === '') {
    if (current?.publicKeys !== undefined) patch.publicKeys = null;
  } else {
    // Not JSON: a path, which the server reads (or names as unreadable).
    try {
      patch.publicKeys = /^[[{]/.test(keys) ? JSON.parse(keys) : keys;
    } catch {
      patch.publicKeys = keys;
    }
  }
  patch.issuer = text('identity.issuer') === '' ? null : text('identity.issuer');
  const maxAge = text('identity.maxAgeSec');
  patch.maxAgeSec = maxAge === '' ? null : Number.isFinite(Number(maxAge)) ? Number(maxAge) : maxAge;
  patch.loginUrl = text('identity.loginUrl') === '' ? null : text('identity.loginUrl');
  return patch;
}
