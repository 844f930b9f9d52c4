package gen

// roomKind is what a kind of room is called and what it holds.
type roomKind struct {
	typ, name, finish string
	odd               []string // rarer names: accents, CJK, quotes, & and <
	share             int      // how often an ordinary cell is this kind
	weight            float64  // contents per m², relative to other rooms
	eq                float64  // share of contents that is equipment
	systems           [8]int   // weights of the systems, in model.Systems order
	furniture         []int    // indices into furnitureCatalog
	occupancy         float64  // people per m²
	ceiling           float64  // room height below the floor height (suspended ceiling)
	sculpture         bool     // a good place for the floor's sculpture
}

func (k *roomKind) sysTotal() int {
	t := 0
	for _, w := range k.systems {
		t += w
	}
	return t
}

// Systems, in model.Systems order: hvac, electrical, plumbing, fire, network, security, lighting, other.
var (
	sysGeneral   = [8]int{15, 8, 2, 12, 12, 4, 35, 12}
	sysWet       = [8]int{10, 4, 45, 8, 1, 1, 25, 6}
	sysPublic    = [8]int{12, 4, 2, 22, 10, 16, 30, 4}
	sysTechnical = [8]int{20, 18, 12, 10, 14, 4, 12, 10}
)

const (
	fDesk = iota
	fChair
	fMeetingTable
	fSofa
	fBookshelf
	fCabinet
	fArmchair
	fCoffeeTable
	fLocker
	fBench
	fStandingDesk
	fCafeTable
	fReception
	fWhiteboard
)

type furnSpec struct {
	name, material string
	size           [3]float64
	cost           float64
}

var furnitureCatalog = []furnSpec{
	fDesk:         {"Desk", "laminate", [3]float64{1.6, 0.8, 0.75}, 420},
	fChair:        {"Office chair", "mesh & steel", [3]float64{0.65, 0.65, 1.0}, 380},
	fMeetingTable: {"Meeting table", "oak", [3]float64{2.4, 1.2, 0.75}, 1400},
	fSofa:         {"Sofa \"Chesterfield\"", "leather", [3]float64{2.0, 0.9, 0.8}, 2100},
	fBookshelf:    {"Bookshelf", "birch plywood", [3]float64{1.0, 0.35, 2.0}, 260},
	fCabinet:      {"Filing cabinet", "steel", [3]float64{0.5, 0.6, 1.3}, 310},
	fArmchair:     {"Armchair", "wool fabric", [3]float64{0.8, 0.8, 0.9}, 890},
	fCoffeeTable:  {"Coffee table", "walnut", [3]float64{1.0, 0.6, 0.45}, 540},
	fLocker:       {"Locker", "steel", [3]float64{0.4, 0.5, 1.8}, 230},
	fBench:        {"Bench", "oak", [3]float64{1.8, 0.45, 0.45}, 350},
	fStandingDesk: {"Standing desk <adjustable>", "laminate & steel", [3]float64{1.6, 0.8, 1.1}, 760},
	fCafeTable:    {"Café table", "marble", [3]float64{0.8, 0.8, 0.75}, 480},
	fReception:    {"Reception desk", "Corian", [3]float64{3.0, 0.9, 1.1}, 6400},
	fWhiteboard:   {"Whiteboard", "enamel", [3]float64{1.8, 0.1, 1.2}, 190},
}

var (
	kindOffice = roomKind{typ: "office", name: "Office", finish: "carpet",
		odd:   []string{"Director's Office", "Office \"Corner\"", "Büro Schäfer"},
		share: 30, weight: 1, eq: 0.4, systems: sysGeneral,
		furniture: []int{fDesk, fDesk, fChair, fChair, fBookshelf, fCabinet, fArmchair, fWhiteboard},
		occupancy: 0.1, ceiling: 0.8, sculpture: true}
	kindOpenOffice = roomKind{typ: "open office", name: "Open Office", finish: "carpet",
		odd:   []string{"Open-Plan Studio", "Espace de travail"},
		share: 14, weight: 1.2, eq: 0.35, systems: sysGeneral,
		furniture: []int{fDesk, fDesk, fChair, fChair, fStandingDesk, fLocker, fCabinet},
		occupancy: 0.12, ceiling: 0.8, sculpture: true}
	kindMeeting = roomKind{typ: "meeting", name: "Meeting Room", finish: "carpet",
		odd:   []string{"会议室", "Board Room \"Summit\"", "Q&A <Studio>", "Salle de réunion"},
		share: 16, weight: 1, eq: 0.45, systems: [8]int{12, 8, 1, 10, 18, 5, 30, 16},
		furniture: []int{fMeetingTable, fChair, fChair, fChair, fWhiteboard},
		occupancy: 0.3, ceiling: 0.8}
	kindLab = roomKind{typ: "lab", name: "R&D Lab", finish: "epoxy",
		odd:   []string{"Prüflabor", "Lab <clean>"},
		share: 6, weight: 1, eq: 0.6, systems: sysTechnical,
		furniture: []int{fBench, fLocker, fCabinet, fDesk, fChair},
		occupancy: 0.05, ceiling: 0.6}
	kindRestroom = roomKind{typ: "restroom", name: "Restroom", finish: "ceramic tile",
		odd:   []string{"WC"},
		share: 7, weight: 0.6, eq: 0.75, systems: sysWet,
		furniture: []int{fBench, fLocker}, ceiling: 1.0}
	kindKitchen = roomKind{typ: "kitchen", name: "Kitchenette", finish: "ceramic tile",
		odd:   []string{"Teeküche", "Kitchen & Pantry"},
		share: 5, weight: 0.8, eq: 0.6, systems: [8]int{8, 10, 35, 10, 2, 1, 20, 14},
		furniture: []int{fCafeTable, fChair, fBench, fLocker}, ceiling: 0.8}
	kindStorage = roomKind{typ: "storage", name: "Storage", finish: "sealed concrete",
		share: 5, weight: 0.4, eq: 0.3, systems: sysGeneral,
		furniture: []int{fBookshelf, fLocker, fCabinet}}
	kindLounge = roomKind{typ: "lounge", name: "Lounge", finish: "oak parquet",
		odd:   []string{"Café Lounge", "Lounge & Library"},
		share: 5, weight: 0.8, eq: 0.3, systems: sysGeneral,
		furniture: []int{fSofa, fArmchair, fArmchair, fCoffeeTable, fBookshelf},
		occupancy: 0.1, ceiling: 0.8, sculpture: true}
	kindTraining = roomKind{typ: "training", name: "Training Room", finish: "carpet",
		share: 4, weight: 1, eq: 0.35, systems: [8]int{12, 8, 1, 10, 18, 5, 30, 16},
		furniture: []int{fDesk, fChair, fChair, fWhiteboard},
		occupancy: 0.4, ceiling: 0.8}
	kindCopy = roomKind{typ: "copy", name: "Copy & Print", finish: "vinyl",
		share: 3, weight: 0.8, eq: 0.6, systems: [8]int{8, 12, 1, 10, 16, 4, 20, 29},
		furniture: []int{fCabinet, fBookshelf}, ceiling: 0.8}

	kindCorridor = roomKind{typ: "corridor", name: "Corridor", finish: "vinyl",
		weight: 0.5, eq: 0.85, systems: sysPublic, furniture: []int{fBench}, ceiling: 1.0, sculpture: true}
	kindStair = roomKind{typ: "stair", name: "Stair", finish: "concrete",
		weight: 0.1, eq: 0.9, systems: [8]int{2, 2, 0, 40, 0, 16, 40, 0}, furniture: []int{fBench}}
	kindUtility = roomKind{typ: "utility", name: "Plant Room", finish: "sealed concrete",
		weight: 0.3, eq: 0.85, systems: sysTechnical, furniture: []int{fLocker, fCabinet}}
	kindLobby = roomKind{typ: "lobby", name: "Main Lobby", finish: "stone",
		weight: 1, eq: 0.45, systems: sysPublic, furniture: []int{fReception, fSofa, fArmchair, fCoffeeTable},
		occupancy: 0.2, sculpture: true}
	kindCafe = roomKind{typ: "cafe", name: "Café", finish: "oak parquet",
		weight: 1, eq: 0.4, systems: [8]int{10, 8, 20, 10, 6, 4, 30, 12}, furniture: []int{fCafeTable, fChair, fChair, fSofa},
		occupancy: 0.5, ceiling: 0.6, sculpture: true}
	kindHall = roomKind{typ: "hall", name: "Conference Hall", finish: "terrazzo",
		weight: 1.1, eq: 0.35, systems: [8]int{16, 8, 1, 14, 12, 10, 30, 9},
		furniture: []int{fChair, fChair, fChair, fMeetingTable, fSofa}, occupancy: 0.6, sculpture: true}
)

// cellKinds are the kinds an ordinary cell of the grid may be.
var cellKinds = []*roomKind{&kindOffice, &kindOpenOffice, &kindMeeting, &kindLab, &kindRestroom,
	&kindKitchen, &kindStorage, &kindLounge, &kindTraining, &kindCopy}

// eqSpec describes a kind of equipment.
type eqSpec struct {
	system, code, name string
	size               [3]float64
	mount              byte    // 'f' floor, 'c' ceiling, 'w' wall at height z
	z                  float64 // base height of wall-mounted items
	watts              float64 // > 0: fed by the strip's distribution panel
	// feed is the other supply: 'n' network switch, 'a' air handler (duct),
	// 't' air handler (control bus), 'w' water heater, 'f' fire panel.
	feed   byte
	makers []string // nil: systemMakers
	models []string
}

var systemMakers = map[string][]string{
	"hvac":       {"Trane", "Daikin", "Johnson Controls", "Carrier", "Belimo"},
	"electrical": {"Schneider Electric", "ABB", "Siemens", "Eaton", "Legrand"},
	"plumbing":   {"Grohe", "Kohler", "Geberit", "Elkay", "Hansgrohe"},
	"fire":       {"Siemens", "Honeywell", "Hochiki", "Tyco", "Minimax"},
	"network":    {"Cisco", "Aruba", "Ubiquiti", "Juniper", "Ruckus"},
	"security":   {"Axis", "Bosch", "HID", "Genetec", "Hanwha"},
	"lighting":   {"Signify", "Zumtobel", "Osram", "Trilux", "Fagerhult"},
	"other":      {"HP", "Epson", "Canon", "Samsung", "Crane Merchandising"},
}

// systemCatalog lists equipment by system, in model.Systems order.
var systemCatalog = [8][]eqSpec{
	{ // hvac
		{system: "hvac", code: "HVAC", name: "VAV box", size: [3]float64{1.0, 0.6, 0.4}, mount: 'c', watts: 50, feed: 'a', models: []string{"VAV-400", "TVR-250"}},
		{system: "hvac", code: "HVAC", name: "Thermostat", size: [3]float64{0.1, 0.03, 0.1}, mount: 'w', z: 1.5, feed: 't', models: []string{"Nest Pro", "T7350"}},
		{system: "hvac", code: "HVAC", name: "Fan coil unit", size: [3]float64{1.2, 0.6, 0.3}, mount: 'c', watts: 120, feed: 'a', models: []string{"FWD-08", "42N"}},
		{system: "hvac", code: "HVAC", name: "Supply diffuser", size: [3]float64{0.6, 0.6, 0.1}, mount: 'c', feed: 'a', models: []string{"DLQ-600", "TDC"}},
	},
	{ // electrical
		{system: "electrical", code: "EL", name: "Floor box", size: [3]float64{0.3, 0.3, 0.1}, mount: 'f', watts: 3680, models: []string{"FB-4", "OBO UDHOME"}},
		{system: "electrical", code: "EL", name: "UPS", size: [3]float64{0.45, 0.7, 0.9}, mount: 'f', watts: 1500, models: []string{"Smart-UPS 3000", "9PX"}},
		{system: "electrical", code: "EL", name: "Sub-distribution board", size: [3]float64{0.6, 0.2, 0.9}, mount: 'w', z: 1.0, watts: 7000, models: []string{"Acti9", "Pragma 24"}},
	},
	{ // plumbing
		{system: "plumbing", code: "PL", name: "Sink", size: [3]float64{0.6, 0.5, 0.9}, mount: 'f', feed: 'w', models: []string{"Eurosmart", "Verticyl"}},
		{system: "plumbing", code: "PL", name: "Water cooler", size: [3]float64{0.35, 0.35, 1.1}, mount: 'f', watts: 100, feed: 'w', models: []string{"EZH2O", "Blu 2"}},
		{system: "plumbing", code: "PL", name: "Floor drain", size: [3]float64{0.2, 0.2, 0.05}, mount: 'f', models: []string{"CleanLine", "Advantix"}},
	},
	{ // fire
		{system: "fire", code: "FA", name: "Smoke detector", size: [3]float64{0.12, 0.12, 0.05}, mount: 'c', feed: 'f', models: []string{"OOH740", "SOC-24VN"}},
		{system: "fire", code: "FA", name: "Sprinkler head", size: [3]float64{0.08, 0.08, 0.08}, mount: 'c', models: []string{"TY3251", "V2707"}},
		{system: "fire", code: "FA", name: "Fire extinguisher", size: [3]float64{0.2, 0.2, 0.6}, mount: 'f', models: []string{"CO2 5 kg", "Foam 6 L"}},
		{system: "fire", code: "FA", name: "Manual call point", size: [3]float64{0.1, 0.05, 0.1}, mount: 'w', z: 1.4, feed: 'f', models: []string{"FDM1101", "CP-3"}},
	},
	{ // network
		{system: "network", code: "NW", name: "Wi-Fi access point", size: [3]float64{0.22, 0.22, 0.05}, mount: 'c', feed: 'n', models: []string{"CW9166", "AP-635"}},
		{system: "network", code: "NW", name: "Data outlet", size: [3]float64{0.08, 0.03, 0.08}, mount: 'w', z: 0.3, feed: 'n', models: []string{"Cat6A 2-port", "Keystone duo"}},
	},
	{ // security
		{system: "security", code: "SEC", name: "CCTV camera", size: [3]float64{0.15, 0.15, 0.15}, mount: 'c', feed: 'n', models: []string{"P3265-LVE", "FLEXIDOME 5100i"}},
		{system: "security", code: "SEC", name: "Card reader", size: [3]float64{0.08, 0.03, 0.12}, mount: 'w', z: 1.2, feed: 'n', models: []string{"iCLASS SE R40", "Signo 20"}},
		{system: "security", code: "SEC", name: "Motion sensor", size: [3]float64{0.1, 0.1, 0.05}, mount: 'c', feed: 'n', models: []string{"Blue Line Gen2", "DT7450"}},
	},
	{ // lighting
		{system: "lighting", code: "LT", name: "LED panel", size: [3]float64{0.6, 0.6, 0.08}, mount: 'c', watts: 36, models: []string{"CoreLine RC132V", "Mirel"}},
		{system: "lighting", code: "LT", name: "Downlight", size: [3]float64{0.2, 0.2, 0.12}, mount: 'c', watts: 12, models: []string{"LuxSpace", "Panos Infinity"}},
		{system: "lighting", code: "LT", name: "Pendant light", size: [3]float64{1.2, 0.15, 0.1}, mount: 'c', watts: 40, models: []string{"Linear P", "Slotlight II"}},
		{system: "lighting", code: "LT", name: "Exit sign", size: [3]float64{0.35, 0.05, 0.2}, mount: 'w', z: 2.3, watts: 3, models: []string{"EXIT-LED", "ONTEC S"}},
	},
	{ // other
		{system: "other", code: "EQ", name: "Printer", size: [3]float64{0.6, 0.5, 1.0}, mount: 'f', watts: 600, feed: 'n', models: []string{"Color LaserJet E87660", "imageRUNNER C3226i"}},
		{system: "other", code: "EQ", name: "Projector", size: [3]float64{0.4, 0.3, 0.15}, mount: 'c', watts: 250, feed: 'n', models: []string{"EB-L730U", "PT-VMZ51"}},
		{system: "other", code: "EQ", name: "Vending machine", size: [3]float64{0.9, 0.8, 1.8}, mount: 'f', watts: 400, models: []string{"Merchant Media", "BevMax 4"}},
		{system: "other", code: "EQ", name: "Digital signage <lobby>", size: [3]float64{1.2, 0.08, 0.7}, mount: 'w', z: 1.5, watts: 150, feed: 'n', models: []string{"QM55C", "BDL5588XC"}},
	},
}
