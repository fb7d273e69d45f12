/** Events per page of a busy day; beyond it the page links an earlier and a later page. */
export const DAY_PAGE_SIZE = 150;
