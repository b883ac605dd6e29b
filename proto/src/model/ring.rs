//! The ring: the members of the current epoch in their fixed order, and the token's path.

use crate::wire::MAX_HOSTS;
use crate::HostId;

/// Members in ring order. The token passes from each member to the next, wrapping around.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ring {
    members: Vec<HostId>,
    /// `position[id]` is the member's index in `members`, for O(1) successor and distance.
    position: Vec<Option<usize>>,
}

impl Ring {
    /// A ring of `members` in the given order. The caller has checked they are distinct.
    pub fn new(members: Vec<HostId>) -> Ring {
        let mut position = vec![None; MAX_HOSTS];
        for (i, id) in members.iter().enumerate() {
            position[id.index()] = Some(i);
        }
        Ring { members, position }
    }

    pub fn members(&self) -> &[HostId] {
        &self.members
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn contains(&self, id: HostId) -> bool {
        self.position[id.index()].is_some()
    }

    /// The member after `id` in ring order (`id` must be a member).
    pub fn successor(&self, id: HostId) -> Option<HostId> {
        let i = self.position[id.index()]?;
        Some(self.members[(i + 1) % self.members.len()])
    }

    /// Steps along the ring from `from` to `to` (0 when they are the same member).
    pub fn distance(&self, from: HostId, to: HostId) -> Option<usize> {
        let a = self.position[from.index()]?;
        let b = self.position[to.index()]?;
        Some((b + self.members.len() - a) % self.members.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_and_distance_wrap_around() {
        let ring = Ring::new(vec![HostId(0), HostId(1), HostId(2), HostId(3), HostId(4)]);
        assert_eq!(ring.successor(HostId(4)), Some(HostId(0)));
        assert_eq!(ring.distance(HostId(2), HostId(0)), Some(3));
        assert_eq!(ring.distance(HostId(3), HostId(3)), Some(0));
        assert_eq!(ring.successor(HostId(9)), None);
        let sparse = Ring::new(vec![HostId(7), HostId(2), HostId(200)]);
        assert_eq!(sparse.successor(HostId(200)), Some(HostId(7)));
        assert_eq!(sparse.distance(HostId(2), HostId(7)), Some(2));
    }
}
