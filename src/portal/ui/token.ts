// The portal token: arrives once in the URL fragment (`#token=…`), then lives in sessionStorage so
// a reload keeps the session and no URL the page shows or shares carries it.

const STORAGE_KEY = 'hookline.portal.token';
const TOKEN_PATTERN = /^hkp_(\d+)_[A-Za-z0-9_-]{43}$/;

let memoryToken: string | null = null;

/** Takes the token out of `location.hash` (removing it from the address bar), else the stored one. */
export function takeToken(): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromUrl = fragment.get('token');
  if (fromUrl) {
    history.replaceState(null, '', location.pathname + location.search);
    store(fromUrl);
    return fromUrl;
  }
  if (memoryToken) return memoryToken;
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function store(token: string): void {
  memoryToken = token;
  try {
    sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage can be blocked in a third-party iframe; the token then lives in memory for this page.
  }
}

/** The expiry written into the token (`hkp_<unix seconds>_…`), or null when it has none. */
export function tokenExpiry(token: string): Date | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? new Date(Number(match[1]) * 1000) : null;
}

/** True when the token's own expiry is past: the page says so without calling the API. */
export function tokenExpired(token: string, now = Date.now()): boolean {
  const expiry = tokenExpiry(token);
  return expiry !== null && expiry.getTime() <= now;
}
