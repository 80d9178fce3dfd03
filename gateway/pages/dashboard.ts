/** Placeholder dashboard (to be replaced): prints the snapshot pushed every second by /dashboard/ws. */
const key = new URLSearchParams(location.hash.slice(1)).get('key') ?? '';
const out = document.querySelector('#snapshot')!;

function connect(): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/dashboard/ws?key=${encodeURIComponent(key)}`);
  ws.onmessage = (frame) => {
    out.textContent = JSON.stringify(JSON.parse(String(frame.data)), null, 2);
  };
  ws.onclose = () => setTimeout(connect, 2000);
}

connect();
