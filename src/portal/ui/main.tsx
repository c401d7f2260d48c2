import { render } from 'preact';
import { App, EXPIRED_MESSAGE, SessionEnded } from './app.tsx';
import { takeToken, tokenExpired } from './token.ts';
import './styles.css';

const root = document.getElementById('app')!;
const token = takeToken();

if (!token) {
  render(<SessionEnded title="No portal link" message="Open this page from the portal link you were given; it carries your access." />, root);
} else if (tokenExpired(token)) {
  render(<SessionEnded message={EXPIRED_MESSAGE} />, root);
} else {
  render(<App token={token} />, root);
}
