package staff

// HandlesPrivacy reports whether p may answer diners' data-protection
// requests (find a diner, export, correct, erase): operations and admin.
func (p Principal) HandlesPrivacy() bool { return p.Is(Operations) || p.Is(Admin) }
