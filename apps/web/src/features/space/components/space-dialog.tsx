import type { Role, SessionGrant } from '@huddle/protocol';
import { useState } from 'react';
import { ModalDialog } from '../../../components/ui/modal-dialog';
import { PeopleList } from './people-list';
import { SpaceSettingsPanel } from './space-settings-panel';
import { Tabs } from './tabs';

type SpaceTab = 'people' | 'settings';

const TABS = [
  { id: 'people', title: 'People' },
  { id: 'settings', title: 'Settings' },
] as const satisfies readonly { id: SpaceTab; title: string }[];

interface SpaceDialogProps {
  open: boolean;
  onClose: () => void;
  grant: SessionGrant;
  role: Role;
}

/** The space: its people (and, for admins, moderation), and its settings for admins. */
export function SpaceDialog({ open, onClose, grant, role }: SpaceDialogProps) {
  const [tab, setTab] = useState<SpaceTab>('people');
  const admin = role !== 'member';
  return (
    <ModalDialog open={open} onClose={onClose} title={grant.space} testId="space-dialog" wide>
      {admin ? (
        <Tabs label="Space" tabs={TABS} selected={tab} onSelect={setTab}>
          {tab === 'people' ? (
            <PeopleList me={grant.user.id} role={role} />
          ) : (
            <SpaceSettingsPanel space={grant.space} role={role} />
          )}
        </Tabs>
      ) : (
        <PeopleList me={grant.user.id} role={role} />
      )}
    </ModalDialog>
  );
}
