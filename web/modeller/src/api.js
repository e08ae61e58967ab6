// The editor's calls to the server: JSON over fetch, with the page's CSRF token in the header Flask-WTF reads.
const token = () => document.querySelector('meta[name="csrf-token"]').content;

async function answer(response) {
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.message || `The server answered ${response.status}: try again, or reload the page.`);
  }
  return data;
}

export async function get(url) {
  return answer(await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }));
}

export async function post(url, body = {}) {
  return answer(await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token() },
    body: JSON.stringify(body),
  }));
}
