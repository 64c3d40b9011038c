/** A login failure whose message is safe to show the user (it ends up in `#error=…`). */
export class OidcLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcLoginError';
  }
}
