/** Whether a request path is valid percent-encoded UTF-8: one that is not names nothing (404). */
export function decodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}
