/** A minimal chat list for the comparison pages: new messages appended once per animation frame. */
export function renderer(list: HTMLElement): (text: string) => void {
  let queued: string[] = [];
  const flush = (): void => {
    const items = queued;
    queued = [];
    for (const text of items) {
      const item = document.createElement('li');
      item.dataset.testid = 'chat-message';
      item.textContent = text;
      list.append(item);
    }
  };
  return (text) => {
    if (queued.length === 0) requestAnimationFrame(flush);
    queued.push(text);
  };
}
