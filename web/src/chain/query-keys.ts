// Query keys more than one module must agree on, in a module of their own so the first page's
// live feed (live.ts) can name them without loading what reads them.

/** A height's books (history.ts): a committed height's state never changes, so no block refreshes it. */
export const BOOKS_AT = "books-at";
