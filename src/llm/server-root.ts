/**
 * A model server's root, from its API base URL (…/v1): the routes factory reads beside the
 * OpenAI API (`/props`, `/api/show`, `/api/version`, `/api/v0/models`) live there, not under it.
 */
export function serverRoot(baseURL: string): string {
  return baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
}
