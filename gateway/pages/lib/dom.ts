/** The one element matching `selector`; a missing element is a bug in the page, so it throws. */
export const $ = <T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T => {
  const element = root.querySelector<T>(selector);
  if (element === null) throw new Error(`missing ${selector}`);
  return element;
};

const KEY_STORE = 'breakwater.apiKey';

/** The organizer API key: from `#key=` in the address (as `npm start` prints it), else from this tab's storage. */
export function initialApiKey(): string {
  const key = new URLSearchParams(location.hash.slice(1)).get('key') ?? sessionStorage.getItem(KEY_STORE) ?? '';
  if (key !== '') sessionStorage.setItem(KEY_STORE, key);
  return key;
}

export function rememberApiKey(key: string): void {
  sessionStorage.setItem(KEY_STORE, key);
}
