import { describe, expect, it } from 'vitest';
import { deviceLink, inviteLink, isWellFormedCode, readJoinQuery } from './join-link';

const CODE = 'AbCdEfGhIjKlMnOpQrStUvWx';

describe('readJoinQuery', () => {
  it('reads an invite and a device link, with or without the question mark', () => {
    expect(readJoinQuery(`?invite=${CODE}`)).toEqual({ invite: CODE, link: null });
    expect(readJoinQuery(`link=${CODE}`)).toEqual({ invite: null, link: CODE });
  });

  it('treats an empty or blank parameter as absent', () => {
    expect(readJoinQuery('?invite=&link=%20')).toEqual({ invite: null, link: null });
    expect(readJoinQuery('')).toEqual({ invite: null, link: null });
  });

  it('keeps a malformed code as it came, for the page to call the link broken', () => {
    expect(readJoinQuery('?invite=abc').invite).toBe('abc');
    expect(isWellFormedCode('abc')).toBe(false);
    expect(isWellFormedCode(CODE)).toBe(true);
  });
});

describe('links', () => {
  it('make the addresses the space route reads back', () => {
    const invite = new URL(inviteLink('https://huddle.example', 'team-x', CODE));
    expect(invite.pathname).toBe('/s/team-x');
    expect(readJoinQuery(invite.search)).toEqual({ invite: CODE, link: null });
    const link = new URL(deviceLink('https://huddle.example', 'team-x', CODE));
    expect(readJoinQuery(link.search)).toEqual({ invite: null, link: CODE });
  });
});
