import type { RoomUpgradesView } from "@/lib/archive/room-upgrades";
import type { StateRunItemView } from "@/lib/archive/view-types";

type Link = NonNullable<RoomUpgradesView["successor"]>;

function Note({ lead, link }: { lead: string; link: Link }) {
  return (
    <p role="note" aria-label="Room upgrade" className="up">
      {lead} <a href={link.href}>{link.label}</a>
      {!link.archived && " (not in this archive)"}
    </p>
  );
}

/** "Continued from …" on its own: the room's first day when its create event is not on the page. */
export function PredecessorNote({ link }: { link: Link }) {
  return <Note lead="Continued from" link={link} />;
}

// Where a room's history meets another room's: under the state run holding the tombstone, the
// room it continues in; under the one holding the create event, the room it continues.
export function UpgradeNote({ item, upgrades }: { item: StateRunItemView; upgrades: RoomUpgradesView }) {
  const ids = new Set(item.changes.map((c) => c.eventId));
  const onward = upgrades.successor && upgrades.tombstoneId && ids.has(upgrades.tombstoneId) ? upgrades.successor : null;
  const back = upgrades.predecessor && upgrades.createId && ids.has(upgrades.createId) ? upgrades.predecessor : null;
  return (
    <>
      {back && <Note lead="Continued from" link={back} />}
      {onward && <Note lead="This room continues in" link={onward} />}
    </>
  );
}
