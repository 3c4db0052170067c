package i18n

// occasionTexts name the occasions of the greeting calendar.
var occasionTexts = map[string]texts{
	"occasion.birthday":            {ZhTW: "生日", ZhCN: "生日", En: "Birthday"},
	"occasion.new_year":            {ZhTW: "元旦", ZhCN: "元旦", En: "New Year's Day"},
	"occasion.lunar_new_years_eve": {ZhTW: "除夕", ZhCN: "除夕", En: "Lunar New Year's Eve"},
	"occasion.spring_festival":     {ZhTW: "春節", ZhCN: "春节", En: "Spring Festival"},
	"occasion.lantern_festival":    {ZhTW: "元宵節", ZhCN: "元宵节", En: "Lantern Festival"},
	"occasion.valentines_day":      {ZhTW: "西洋情人節", ZhCN: "情人节", En: "Valentine's Day"},
	"occasion.mothers_day":         {ZhTW: "母親節", ZhCN: "母亲节", En: "Mother's Day"},
	"occasion.dragon_boat":         {ZhTW: "端午節", ZhCN: "端午节", En: "Dragon Boat Festival"},
	"occasion.fathers_day":         {ZhTW: "父親節", ZhCN: "父亲节", En: "Father's Day"},
	"occasion.qixi":                {ZhTW: "七夕情人節", ZhCN: "七夕", En: "Qixi (Chinese Valentine's Day)"},
	"occasion.mid_autumn":          {ZhTW: "中秋節", ZhCN: "中秋节", En: "Mid-Autumn Festival"},
	"occasion.double_ninth":        {ZhTW: "重陽節", ZhCN: "重阳节", En: "Double Ninth Festival"},
	"occasion.christmas_eve":       {ZhTW: "平安夜", ZhCN: "平安夜", En: "Christmas Eve"},
	"occasion.christmas":           {ZhTW: "聖誕節", ZhCN: "圣诞节", En: "Christmas"},
}
