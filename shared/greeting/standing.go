package greeting

import (
	"time"

	"github.com/cardloop/cardloop/shared/i18n"
)

// StandingBirthday returns a brand's standing birthday campaign as it is
// first created: three days before each diner's birthday, at 10:00 in their
// store's time zone, every year; scheduled at once (marketing edits it
// through the normal draft and approval).
func StandingBirthday(brandID string, now time.Time) Campaign {
	return Campaign{
		ID: "birthday-" + brandID, BrandID: brandID, Name: "Birthday greetings", Occasion: BirthdayID,
		LeadDays: 3, SendHour: 10, Status: Scheduled,
		CreatedBy: "seed", CreatedAt: now, UpdatedAt: now, ApprovedBy: "seed", ApprovedAt: &now,
		Content: map[i18n.Lang]Content{
			i18n.ZhTW: {Subject: "{name}，生日快樂！{store}為您準備了一份心意", Body: "親愛的 {name}：\n\n您的生日就快到了！{store}全體同仁祝您生日快樂。\n\n生日當月來店用餐，我們為您準備了一份小小的心意，期待再次為您服務。"},
			i18n.ZhCN: {Subject: "{name}，生日快乐！{store}为您准备了一份心意", Body: "亲爱的 {name}：\n\n您的生日就快到了！{store}全体同仁祝您生日快乐。\n\n生日当月来店用餐，我们为您准备了一份小小的心意，期待再次为您服务。"},
			i18n.En:   {Subject: "Happy birthday, {name}! A little something from {store}", Body: "Dear {name},\n\nYour birthday is coming up, and everyone at {store} wishes you a very happy one.\n\nDine with us in your birthday month and a small gift awaits you. We look forward to seeing you again."},
		},
	}
}
