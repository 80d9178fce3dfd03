/** Placeholder organizer page (to be replaced): lists the events through the organizer API. */
const key = new URLSearchParams(location.hash.slice(1)).get('key') ?? '';
const out = document.querySelector('#events')!;

async function refresh(): Promise<void> {
  const response = await fetch('/api/events', { headers: { authorization: `Bearer ${key}` } });
  out.textContent = JSON.stringify(await response.json(), null, 2);
}

void refresh();
setInterval(() => void refresh(), 2000);
