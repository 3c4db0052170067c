package staff

import "slices"

// HandlesPrivacy reports whether p may answer diners' data-protection
// requests (find a diner, export, correct, erase): operations and admin.
func (p Principal) HandlesPrivacy() bool { return p.Is(Operations) || p.Is(Admin) }

// SeesContactsOf reports whether p looks after the diners of a store and
// so sees their phone and e-mail masked in lists and may reveal one (an
// audited act): the store's own store managers, operations and admin.
// Marketing and area managers see figures, never contact details.
func (p Principal) SeesContactsOf(storeID string) bool {
	return p.Is(Operations) || p.Is(Admin) || p.Is(StoreManager) && slices.Contains(p.Stores, storeID)
}

// ReadsAuditLog reports whether p may read the privacy audit log: admin.
func (p Principal) ReadsAuditLog() bool { return p.Is(Admin) }
