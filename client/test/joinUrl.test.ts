import { describe, expect, it } from 'vitest';
import { joinUrl } from '../src/lib/present/joinUrl.ts';

describe('the join link', () => {
  it('puts the room on an origin, with or without its slash, escaped', () => {
    expect(joinUrl('http://192.168.1.4:8080/', 'demo')).toBe('http://192.168.1.4:8080/?room=demo');
    expect(joinUrl('http://localhost:8080', 'a b')).toBe('http://localhost:8080/?room=a%20b');
  });
});
