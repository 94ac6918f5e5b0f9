import { describe, expect, it } from 'vitest';
import { fingerprint, type Member } from '@peerlab/shared';
import { MemberRoster, nameOf } from '../src/lib/session/memberRoster.ts';

const [SELF, A, B, P] = ['0', 'a', 'b', 'p'].map((c) => c.repeat(64)) as [string, string, string, string];
const member = (peer: string, name: string, observer = false): Member => ({ peer, name, version: 1, ...(observer ? { observer } : {}) });

describe('the member roster', () => {
  it('keeps the server list without this peer and says who is new', () => {
    const roster = new MemberRoster(SELF);
    const first = roster.update([member(SELF, 'Me'), member(A, 'Ada')]);
    expect(first.newcomers).toEqual([A]);
    expect([...first.listed]).toEqual([A]);
    const second = roster.update([member(A, 'Ada'), member(B, 'Bob')]);
    expect(second.newcomers).toEqual([B]);
    expect([...second.listed]).toEqual([A, B]);
    expect(roster.size).toBe(2);
    expect(roster.listed(B)).toBe(true);
    expect(roster.listed(SELF)).toBe(false);
  });

  it('still names a member that left the list', () => {
    const roster = new MemberRoster(SELF);
    roster.update([member(A, 'Ada')]);
    roster.update([]);
    expect(roster.listed(A)).toBe(false);
    expect(roster.names.get(A)).toBe('Ada');
  });

  it('hands out one names map, replaced only when a name is new or changed', () => {
    const roster = new MemberRoster(SELF);
    roster.update([member(SELF, 'Me'), member(A, 'Ada')]);
    const first = roster.names;
    expect([...first]).toEqual([[A, 'Ada']]);
    roster.update([member(A, 'Ada')]);
    roster.update([]);
    expect(roster.names).toBe(first);
    roster.update([member(A, 'Ada Lovelace'), member(B, 'Bob')]);
    expect(roster.names).not.toBe(first);
    expect(first.get(A)).toBe('Ada');
    expect(nameOf(roster.names, A)).toBe('Ada Lovelace');
    expect(nameOf(roster.names, P)).toBe(P.slice(0, 8));
  });

  it('leaves observers out of the churn draw, this peer too when it is one', () => {
    const roster = new MemberRoster(SELF);
    roster.update([member(A, 'Ada'), member(P, 'Presenter', true)]);
    expect(roster.churnCandidates(false)).toEqual([SELF, A]);
    expect(roster.churnCandidates(true)).toEqual([A]);
  });

  it('shows each member with the link its pair has', () => {
    const roster = new MemberRoster(SELF);
    roster.update([member(A, 'Ada'), member(P, 'Presenter', true)]);
    const views = roster.views((peer) => (peer === A ? { link: 'relay', reason: 'timeout' } : { link: 'none' }));
    expect(views).toEqual([
      { peer: A, name: 'Ada', version: 1, protocol: '1.0', fingerprint: fingerprint(A), link: 'relay', reason: 'timeout' },
      { peer: P, name: 'Presenter', version: 1, protocol: '1.0', observer: true, fingerprint: fingerprint(P), link: 'none' },
    ]);
  });
});
